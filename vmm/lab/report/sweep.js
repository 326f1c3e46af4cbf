'use strict';
/*
 * memvisor test's sweep page: one chart per measure of SW (the results
 * table of a sweep as results.json holds it: SW.rows, each with params,
 * results and verdict; the parameters and measures are the union of the
 * rows' keys, in order of first appearance). The x axis is the first parameter whose values are all
 * numbers (sizes such as 16M count: 16 MiB); without one, the first
 * parameter's values in order, as categories. Each combination of the
 * other parameters is one series (faults against memory, one line per
 * policy).
 *
 * `memvisor test` inlines this file after uPlot's and chart_common.js
 * (PALETTE, countInk), so it must not contain
 * a closing script tag. It records what it drew for tests: per chart
 * data-points (non-null values), data-series and data-ink (plot pixels in
 * the series' colours); on <body> data-charts and data-ready.
 */
const SW_UNITS = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/* The keys of every row's field (params or results), each once, in order. */
function swKeys(field) {
	const keys = [];
	SW.rows.forEach(r => Object.keys(r[field] || {}).forEach(k => {
		if (!keys.includes(k)) keys.push(k);
	}));
	return keys;
}
const SW_PARAMS = swKeys('params'), SW_MEASURES = swKeys('results');

/* A parameter value as a number ("16M" is 16 MiB), or null. */
function swNumber(v) {
	const m = /^(-?[0-9]+(?:\.[0-9]+)?)([KMGT]?)(?:i?B)?$/i.exec(String(v));
	return m ? parseFloat(m[1]) * SW_UNITS[m[2].toUpperCase()] : null;
}

function swXParam() {
	for (const p of SW_PARAMS)
		if (SW.rows.every(r => r.params[p] !== undefined && swNumber(r.params[p]) !== null))
			return { name: p, numeric: true };
	return { name: SW_PARAMS[0], numeric: false };
}

/* The x value of a row: its number, or the index of its category. */
function swX(row, x, categories) {
	const v = row.params[x.name];
	if (x.numeric) return swNumber(v);
	if (!categories.includes(v)) categories.push(v);
	return categories.indexOf(v);
}

/* The series a row belongs to: its other parameters, "k=v, k=v". */
function swSeriesKey(row, x) {
	const rest = SW_PARAMS.filter(p => p !== x.name).map(p => p + '=' + row.params[p]);
	return rest.length ? rest.join(', ') : 'all';
}

function swChart(measure, index, root) {
	const x = swXParam(), categories = [], xs = [], keys = [], cells = {};
	SW.rows.forEach(row => {
		const xv = swX(row, x, categories), key = swSeriesKey(row, x);
		if (!xs.includes(xv)) xs.push(xv);
		if (!keys.includes(key)) keys.push(key);
		cells[key + '\u0000' + xv] = row.results[measure];
	});
	xs.sort((a, b) => a - b);
	const sec = document.createElement('section');
	sec.className = 'chart';
	sec.id = 'chart-' + index;
	const h = document.createElement('h2');
	h.textContent = measure + ' against ' + x.name;
	sec.appendChild(h);
	root.appendChild(sec);
	let points = 0;
	const data = [xs];
	const series = [{ label: x.name }];
	keys.forEach((k, i) => {
		const col = xs.map(xv => {
			const v = cells[k + '\u0000' + xv];
			return v === undefined ? null : v;
		});
		col.forEach(v => { if (v != null) points++; });
		data.push(col);
		series.push({ label: k, stroke: PALETTE[i % PALETTE.length], width: 2,
			      points: { show: true, size: 7 } });
	});
	const xaxis = { label: x.name };
	if (!x.numeric)
		xaxis.values = (u, vals) => vals.map(v => categories[v] === undefined ? '' : categories[v]);
	new uPlot({
		width: Math.max(480, root.clientWidth - 24), height: 260,
		scales: { x: { time: false } }, series, axes: [xaxis, { size: 72 }],
		hooks: { draw: [u => countInk(u, sec, keys.length)] },
	}, data, sec);
	sec.dataset.points = points;
	sec.dataset.series = keys.length;
}

function swMain() {
	const root = document.getElementById('charts');
	SW_MEASURES.forEach((m, i) => swChart(m, i, root));
	document.body.dataset.charts = SW_MEASURES.length;
	document.body.dataset.ready = '1';
}

swMain();
