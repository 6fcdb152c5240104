// The sharing matrix's chart: per department, layers it shares with others and layers it receives.
const config = JSON.parse(document.getElementById("gp-matrix-config").textContent);
new Chart(document.getElementById("gp-matrix-chart"), {
  type: "bar",
  data: {
    labels: config.labels,
    datasets: [
      { label: config.given_label, data: config.given, backgroundColor: "#3367d6" },
      { label: config.received_label, data: config.received, backgroundColor: "#e8a33d" },
    ],
  },
  options: { indexAxis: "y", responsive: true, animation: false, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
});
