// The weekly trend of reported and resolved items, drawn with Chart.js (served locally).
const trend = JSON.parse(document.getElementById("an-trend-data").textContent);
new Chart(document.getElementById("an-trend"), {
  type: "line",
  data: {
    labels: trend.map((row) => row.week),
    datasets: [
      { label: "反映 / Reported", data: trend.map((row) => row.reported), borderColor: "#c0392b", tension: 0.2 },
      { label: "解决 / Resolved", data: trend.map((row) => row.resolved), borderColor: "#2a9d8f", tension: 0.2 },
    ],
  },
  options: { animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
});
