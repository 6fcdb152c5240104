-- A mixed read load for wrk (docs/cluster.md, "Measured"): tiles of every zoom of the Harbin
-- demo's public layers (60 %), items pages (20 %), search (15 %) and the map page (5 %).
--   wrk -t4 -c32 -d60s --latency -s scripts/load/mixed.lua http://127.0.0.1:8081
local layers = {"schools", "hospitals", "parks", "land-use-zones", "districts"}
local words = {"%E4%B8%AD%E5%AD%A6", "%E5%8C%BB%E9%99%A2", "%E5%85%AC%E5%9B%AD", "hospital", "park", "school"}
local lon0, lat0 = 126.53, 45.80

local function tile(z)
  local n = 2 ^ z
  local lon = lon0 + (math.random() - 0.5) * 0.6
  local lat = lat0 + (math.random() - 0.5) * 0.4
  local x = math.floor((lon + 180) / 360 * n)
  local r = math.rad(lat)
  local y = math.floor((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
  return x, y
end

math.randomseed(os.time())

request = function()
  local p = math.random(100)
  local layer = layers[math.random(#layers)]
  local path
  if p <= 60 then
    local z = math.random(8, 17)
    local x, y = tile(z)
    path = string.format("/tiles/%s/%d/%d/%d.mvt", layer, z, x, y)
  elseif p <= 80 then
    path = string.format("/api/layers/%s/features/?limit=100&after=%d", layer, math.random(0, 400))
  elseif p <= 95 then
    path = "/api/search?q=" .. words[math.random(#words)]
  else
    path = "/"
  end
  return wrk.format("GET", path)
end

local errors = 0
response = function(status)
  if status >= 400 then errors = errors + 1 end
end

done = function(summary, latency)
  io.write(string.format("requests %d, %.1f req/s, p50 %.1f ms, p99 %.1f ms, non-2xx/3xx %d, socket errors %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
