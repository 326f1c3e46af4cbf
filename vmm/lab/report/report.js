'use strict';
/*
 * memvisor report: charts of MV (the stats stream: a time column t, one
 * column per stats path in series, and markers). The chart table (CHARTS)
 * picks series by path pattern (and, with `when`, draws a chart only when
 * some path matches that too: NUMA counters only for a guest of several
 * nodes), so figures that later appear in the stats stream (zones, buddy
 * orders, slab, vmstat) get charts without C changes.
 *
 * `memvisor report` inlines this file in a <script> after uPlot's and
 * chart_common.js (PALETTE, countInk; vmm/lab/report/report_assets.S), so it must not contain a closing script
 * tag. It records what it drew in the DOM for tests: per chart
 * data-points (non-null values), data-series and data-ink (plot pixels in
 * the series' colours); on <body> data-charts, data-ready, data-resources
 * (fetched resources) and data-csp-violations.
 */
const MARK = { pressure: '#b35900', oom: '#cc0000', snapshot: '#2b6e2b', event: '#666666' };
const CHARTS = [
	{ id: 'host', title: 'Host: resident guest RAM (per NUMA node too) and memvisor RSS',
	  unit: 'bytes', need: true,
	  match: [/^host\.(resident|rss)$/, /^host\.nodes\.[0-9]+\.resident$/], dashed: /nodes/ },
	{ id: 'balloon', title: 'Balloon: target and actual size', unit: 'bytes', need: true,
	  match: [/^balloon\.(target|actual)$/] },
	{ id: 'guest', title: 'Guest: free and available memory', unit: 'bytes', need: true,
	  match: [/^guest\.(free_memory|available_memory|disk_caches)$/], dashed: /available_memory$/ },
	{ id: 'zones', title: 'Free pages per zone against min/low/high watermarks', unit: 'pages',
	  match: [/^zones\.[^.]+\.(free_pages|min|low|high)$/],
	  dashed: /(min|low|high)$/ },
	{ id: 'orders', title: 'Free blocks per buddy order', unit: 'count',
	  match: [/^zones\.[^.]+\.nr_free\.[0-9]+$/] },
	{ id: 'slab', title: 'Slab memory', unit: 'bytes',
	  match: [/^slabs\.[^.]+\.bytes$/, /^vmstat\.nr_slab[a-z_]*$/] },
	{ id: 'rates', title: 'Fault, swap-in and swap-out rates', unit: 'rate', rate: true,
	  match: [/^guest\.(major_faults|minor_faults|swap_in|swap_out)$/,
		  /^vmstat\.(pgfault|pgmajfault|pswpin|pswpout)$/, /^swap\.(reads|writes)$/] },
	{ id: 'tlb', title: 'TLB flushes: shootdowns sent and received, local flushes', unit: 'count',
	  match: [/^vmstat\.nr_tlb_(remote_flush|remote_flush_received|local_flush_one|local_flush_all)$/],
	  dashed: /local_flush/ },
	{ id: 'numa', title: 'NUMA allocations per node: hit or miss, local or other', unit: 'count',
	  match: [/^nodes\.[0-9]+\.numa_(hit|miss|foreign|local|other)$/], when: /^nodes\.1\./,
	  dashed: /numa_(local|other)$/ },
	{ id: 'pages', title: 'Balloon page counters', unit: 'count',
	  match: [/^balloon\.(inflated_pages|deflated_pages|reported_pages)$/] },
];

const POW2 = Array.from({ length: 50 }, (_, i) => 2 ** i);

function fmtBytes(v) {
	const units = ['', 'K', 'M', 'G', 'T'];
	let x = Math.abs(v), i = 0;
	while (x >= 1024 && i < 4) { x /= 1024; i++; }
	const digits = Number.isInteger(x) || x >= 100 ? 0 : 1;
	return (v < 0 ? '-' : '') + x.toFixed(digits) + units[i];
}

function fmt(unit, v) {
	if (v == null || Number.isNaN(v)) return '-';
	if (unit === 'bytes') return fmtBytes(v);
	if (unit === 'rate') return (Math.abs(v) < 10 ? v.toFixed(2) : v.toFixed(0)) + '/s';
	return String(Math.round(v * 100) / 100);
}

function rate(col) {
	return col.map((v, i) => {
		if (i === 0 || v == null || col[i - 1] == null) return null;
		const dt = MV.t[i] - MV.t[i - 1];
		return dt > 0 ? (v - col[i - 1]) / dt : null;
	});
}

/* Vertical lines for pressure events, OOM kills and snapshots. */
function markersPlugin() {
	return { hooks: { draw: [u => {
		const c = u.ctx, b = u.bbox, px = window.devicePixelRatio || 1;
		c.save();
		c.font = (11 * px) + 'px sans-serif';
		MV.markers.forEach((m, i) => {
			const x = Math.round(u.valToPos(m.t, 'x', true));
			if (x < b.left || x > b.left + b.width) return;
			c.strokeStyle = c.fillStyle = MARK[m.kind] || MARK.event;
			c.lineWidth = px;
			c.setLineDash([5 * px, 3 * px]);
			c.beginPath();
			c.moveTo(x, b.top);
			c.lineTo(x, b.top + b.height);
			c.stroke();
			c.fillText(m.label, x + 3 * px, b.top + (12 + 13 * (i % 3)) * px);
		});
		c.restore();
	}] } };
}

function section(spec, root) {
	const sec = document.createElement('section');
	sec.className = 'chart';
	sec.id = 'chart-' + spec.id;
	const h = document.createElement('h2');
	h.textContent = spec.title;
	sec.appendChild(h);
	root.appendChild(sec);
	return sec;
}

function buildChart(spec, root) {
	const all = Object.keys(MV.series);
	if (spec.when && !all.some(k => spec.when.test(k))) return 0; /* e.g. only with 2 nodes */
	const keys = all.filter(k => spec.match.some(r => r.test(k)));
	if (!keys.length && !spec.need) return 0;
	const sec = section(spec, root);
	sec.dataset.points = 0;
	if (!keys.length) {
		const p = document.createElement('p');
		p.className = 'none';
		p.textContent = 'No such figures in this stats stream.';
		sec.appendChild(p);
		return 0;
	}
	const data = [MV.t];
	const series = [{ label: 'time', value: (u, v) => v == null ? '-' : v.toFixed(2) + ' s' }];
	let points = 0;
	keys.forEach((k, i) => {
		const col = spec.rate ? rate(MV.series[k]) : MV.series[k];
		col.forEach(v => { if (v != null) points++; });
		data.push(col);
		series.push({ label: k, stroke: PALETTE[i % PALETTE.length], width: 2,
			      dash: spec.dashed && spec.dashed.test(k) ? [6, 4] : undefined,
			      points: { show: false }, value: (u, v) => fmt(spec.unit, v) });
	});
	const yaxis = { size: 64, values: (u, vals) => vals.map(v => fmt(spec.unit, v)) };
	if (spec.unit === 'bytes' || spec.unit === 'pages')
		yaxis.incrs = POW2; /* ticks at 16M, 32M, ... rather than 19.1M */
	const opts = {
		width: Math.max(480, root.clientWidth - 24), height: 240,
		scales: { x: { time: false } }, series,
		axes: [{ label: 'seconds since boot' }, yaxis],
		plugins: [markersPlugin()],
		hooks: { draw: [u => countInk(u, sec, keys.length)] },
	};
	new uPlot(opts, data, sec);
	sec.dataset.points = points;
	sec.dataset.series = keys.length;
	return 1;
}

function main() {
	const root = document.getElementById('charts');
	let n = 0;
	CHARTS.forEach(spec => { n += buildChart(spec, root); });
	document.body.dataset.charts = n;
	document.body.dataset.resources = performance.getEntriesByType('resource').length;
	document.body.dataset.ready = '1';
}

document.addEventListener('securitypolicyviolation', () => {
	const b = document.body;
	b.dataset.cspViolations = (Number(b.dataset.cspViolations) || 0) + 1;
});
window.addEventListener('load', () => {
	document.body.dataset.resources = performance.getEntriesByType('resource').length;
});
main();
