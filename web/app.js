// hcap dashboard: entry point.
document.getElementById('main').textContent = 'hcap';
