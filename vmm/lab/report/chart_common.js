'use strict';
/*
 * chart_common.js: what both pages of memvisor's reports share, inlined
 * before report.js or sweep.js (after uPlot): the series palette and the
 * ink count a test reads (data-ink: plot pixels in the series' colours).
 * Inlined in a <script>, so it must not contain a closing script tag.
 */
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf',
		 '#8c564b', '#e377c2', '#bcbd22', '#393b79'];

/* Counts plot-area pixels drawn in the first n series' colours: proof of ink. */
function countInk(u, sec, n) {
	const b = u.bbox;
	let img;
	try {
		img = u.ctx.getImageData(b.left, b.top, Math.max(1, b.width), Math.max(1, b.height)).data;
	} catch (e) {
		return;
	}
	const cols = PALETTE.slice(0, Math.min(n, PALETTE.length)).map(h =>
		[1, 3, 5].map(k => parseInt(h.slice(k, k + 2), 16)));
	let ink = 0;
	for (let i = 0; i < img.length; i += 4) {
		if (img[i + 3] < 200) continue;
		for (const q of cols)
			if (Math.abs(img[i] - q[0]) < 24 && Math.abs(img[i + 1] - q[1]) < 24 &&
			    Math.abs(img[i + 2] - q[2]) < 24) { ink++; break; }
	}
	sec.dataset.ink = ink;
}
