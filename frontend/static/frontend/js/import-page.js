// The import page: upload -> dry run (preview on a map, field mapping, row report) -> import with
// a progress bar polling /api/imports/{id}/, cancellable. Uses the same API as scripts do.
const config = JSON.parse(document.getElementById("gp-import-config").textContent);
const form = document.getElementById("gp-import-form");
const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
const statusBox = document.getElementById("gp-import-status");
const progress = document.getElementById("gp-import-progress");
const mappingBox = document.getElementById("gp-import-mapping");
const reportBox = document.getElementById("gp-import-report");
const cancelButton = document.getElementById("gp-import-cancel");
const PHASES = { reading: "读取", checking: "检查", writing: "写入", done: "完成" };
const STATES = { queued: "排队中", running: "进行中", succeeded: "成功", failed: "失败", cancelled: "已取消" };

const map = L.map("gp-import-map").setView([45.757, 126.642], 10);
const preview = L.geoJSON(null, { pointToLayer: (_f, latlng) => L.circleMarker(latlng, { radius: 5 }) }).addTo(map);
let running = null;

function el(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function setup() {
  const layerSelect = form.elements.layer;
  for (const layer of config.layers) layerSelect.append(el("option", { value: layer.slug, textContent: layer.title }));
  const datalist = document.getElementById("gp-crs");
  for (const crs of config.crs) datalist.append(el("option", { value: crs.code, textContent: crs.name }));
  if (!config.can_create) form.querySelector("[value=existing]").checked = true;
  form.querySelector("[value=new]").disabled = !config.can_create;
  form.addEventListener("change", syncForm);
  syncForm();
}

function syncForm() {
  const target = form.elements.target.value;
  document.body.classList.toggle("target-new", target === "new");
  document.body.classList.toggle("target-existing", target === "existing");
  document.body.classList.toggle("mode-upsert", target === "existing" && form.elements.mode.value === "upsert");
  const layer = config.layers.find((l) => l.slug === form.elements.layer.value);
  const key = form.elements.key;
  if (layer && key.dataset.layer !== layer.slug) {
    key.replaceChildren(...layer.fields.map((f) => el("option", { value: f, textContent: f })));
    key.dataset.layer = layer.slug;
  }
}

function requestBody(extra) {
  const data = new FormData(form);
  const isNew = data.get("target") === "new";
  data.delete("target");
  data.delete("csrfmiddlewaretoken");
  if (isNew) { data.delete("layer"); data.set("mode", "new"); data.delete("key"); } else data.delete("title");
  if (data.get("mode") !== "upsert") data.delete("key");
  for (const [name, value] of [...data.entries()]) if (value === "") data.delete(name);
  for (const [name, value] of Object.entries(extra)) data.set(name, value);
  return data;
}

function say(text, isError = false) {
  statusBox.textContent = text;
  statusBox.classList.toggle("error", isError);
}

function showProgress(job) {
  const p = job.progress;
  progress.hidden = false;
  progress.value = job.state === "succeeded" ? 100 : p.percent || 0;
  const rows = p.rows_total ? ` ${p.rows_done}/${p.rows_total}` : "";
  const left = p.seconds_left ? `，约剩 ${Math.ceil(p.seconds_left)} 秒` : "";
  say(`${STATES[job.state]} ${PHASES[job.phase] || ""}${rows}${left}`);
}

async function api(url, options = {}) {
  const response = await fetch(url, { credentials: "same-origin", headers: { "X-CSRFToken": csrf }, ...options });
  return { ok: response.ok, body: await response.json() };
}

async function runJob(extra) {
  reportBox.replaceChildren();
  say("上传中…");
  const { ok, body } = await api(config.urls.imports, { method: "POST", body: requestBody(extra) });
  if (!ok) {
    say(body.error, true);
    showRows(body.rows || []);
    return null;
  }
  running = body;
  cancelButton.hidden = false;
  let job = body;
  while (!["succeeded", "failed", "cancelled"].includes(job.state)) {
    showProgress(job);
    await new Promise((resolve) => setTimeout(resolve, 400));
    job = (await api(job.url)).body;
  }
  running = null;
  cancelButton.hidden = true;
  showProgress(job);
  if (job.error) say(`${STATES[job.state]}：${job.error}`, true);
  return job;
}

function showRows(rows, title = "") {
  const list = rows.filter((r) => r.row).map((r) => el("li", { textContent: `第 ${r.row} 行：${r.reason}` }));
  if (list.length) reportBox.append(el("h3", { textContent: title || "有问题的行" }), el("ul", { className: "gp-report-rows" }, list));
}

function showReport(report) {
  if (report.created !== undefined) {
    reportBox.append(el("p", { textContent: `新增 ${report.created}，更新 ${report.updated}，删除 ${report.deleted}` }));
  }
  showRows(report.changed || [], "已修改的行");
  showRows(report.skipped || [], "已跳过的行");
  showRows(report.rejected || [], "被拒绝的行");
}

function showPreview(job) {
  const report = job.report;
  preview.clearLayers();
  if (report.preview) {
    preview.addData(report.preview);
    if (preview.getLayers().length) map.fitBounds(preview.getBounds(), { maxZoom: 16 });
  }
  const columns = (job.source.info.fields || []).map((f) => f.name);
  const rows = Object.keys(report.mapping || {}).concat(
    (report.schema || []).map((f) => f.name).filter((n) => !(n in (report.mapping || {})))
  );
  const body = mappingBox.querySelector("tbody");
  body.replaceChildren(...rows.map((target) => {
    const select = el("select", { name: target }, [el("option", { value: "", textContent: "（不导入）" }),
      ...columns.map((c) => el("option", { value: c, textContent: c, selected: report.mapping[target] === c }))]);
    return el("tr", {}, [el("td", { textContent: target }), el("td", {}, [select])]);
  }));
  mappingBox.hidden = false;
  showDetected(report.detected || {});
  showReport(report);
}

// CSV coordinate columns and the text encoding as detected: shown and filled in, so the user confirms or edits.
function showDetected(detected) {
  for (const name of ["x_field", "y_field", "wkt_field"]) if (detected[name]) form.elements[name].value = detected[name];
  if (detected.encoding && !form.elements.encoding.value) form.elements.encoding.value = detected.encoding === "GB18030" ? "GB18030" : detected.encoding;
  const parts = [];
  if (detected.geometry === "xy") parts.push(`经度列 ${detected.x_field}，纬度列 ${detected.y_field}`);
  if (detected.geometry === "wkt") parts.push(`WKT 列 ${detected.wkt_field}`);
  if (detected.encoding) parts.push(`编码 ${detected.encoding}`);
  if (parts.length) reportBox.append(el("p", { className: "gp-detected", textContent: `检测到：${parts.join("；")}` }));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  mappingBox.hidden = true;
  const job = await runJob({ dry_run: "1" });
  if (job && job.report && job.report.mapping) showPreview(job);
  if (job && job.state === "succeeded") say("预览完成：请核对地图与字段对应，然后导入。");
});

document.getElementById("gp-import-run").addEventListener("click", async () => {
  const mapping = {};
  for (const select of mappingBox.querySelectorAll("select")) mapping[select.name] = select.value || null;
  mappingBox.hidden = true;
  const job = await runJob({ mapping: JSON.stringify(mapping) });
  if (!job) return;
  showReport(job.report);
  if (job.state === "succeeded") {
    say(`导入成功：${job.report.created + (job.report.updated || 0)} 个要素`);
    const link = el("a", { href: "/", textContent: `打开地图（图层 ${job.layer.slug}）` });
    link.dataset.slug = job.layer.slug;
    reportBox.append(link);
    if (job.search === "indexing") followIndexing(job);
  }
});

// A large import is on the map and editable at once; its search rows follow in a job of their own.
async function followIndexing(job) {
  const note = el("p", { className: "gp-search-state", textContent: "搜索索引建立中：图层已可浏览和编辑，稍后即可被搜索到。" });
  reportBox.append(note);
  while (job.search === "indexing") {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    job = (await api(job.url)).body;
  }
  note.textContent = "搜索索引已建立：要素可被搜索到。";
}

cancelButton.addEventListener("click", async () => {
  if (running) await api(running.url, { method: "DELETE" });
});

setup();
