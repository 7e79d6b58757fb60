/*
 * marrow's report page: draws the blocks of the inline report.json with uPlot.
 *
 * Every number comes from the C side (src/report); this script only places it.  A
 * block is a table or a chart.  A chart has optional line series on a shared x
 * grid, and optional shapes drawn in data units: filled bands, polygons, rectangles,
 * segments, marks and text.  When it has finished, the page records what it drew in
 * data-* attributes of <body>, which the headless browser test reads
 * (tests/report/test_report.sh).  User text reaches the page only through
 * textContent, never as HTML.
 */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var root = document.getElementById('report');
  var width = Math.max(480, Math.min(1100, window.innerWidth - 60));
  var plots = [];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    return e;
  }

  /* Log-axis tick labels: plain numbers near 1, powers of ten elsewhere.  uPlot
   * passes null for ticks it leaves unlabelled. */
  function fmtLog(v) {
    if (v == null) return '';
    var e = Math.round(Math.log10(v));
    return e >= -2 && e < 4 ? String(Number(v.toPrecision(1))) : '1e' + e;
  }

  /* One gridline per power of ten (every second one past 12 decades). */
  function decades(u, ai, min, max) {
    var a = Math.round(Math.log10(min)), b = Math.round(Math.log10(max));
    var step = Math.max(1, Math.ceil((b - a) / 12)), out = [];
    for (var k = a; k <= b; k += step) out.push(Math.pow(10, k));
    return out;
  }

  function ratio(u) { return u.ctx.canvas.width / u.width; }
  function px(u, v, axis) { return u.valToPos(v, axis, true); }

  function clip(u, c) {
    c.beginPath();
    c.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    c.clip();
  }

  /* A filled band between two value arrays on the chart's x grid: one polygon per
   * run of points where both edges have values, so a gap stays a gap; a step band
   * holds each value until the next point of its run, never past the run's end. */
  function drawBand(u, ch, b) {
    var c = u.ctx, n = ch.x.length, i = 0;
    c.fillStyle = b.colour;
    while (i < n) {
      if (b.upper[i] == null || b.lower[i] == null) { i++; continue; }
      var up = [], lo = [];
      for (; i < n && b.upper[i] != null && b.lower[i] != null; i++) {
        var x = px(u, ch.x[i], 'x');
        up.push([x, px(u, b.upper[i], 'y')]);
        lo.push([x, px(u, b.lower[i], 'y')]);
        var more = i + 1 < n && b.upper[i + 1] != null && b.lower[i + 1] != null;
        if (b.step && more) {
          var xn = px(u, ch.x[i + 1], 'x');
          up.push([xn, px(u, b.upper[i], 'y')]);
          lo.push([xn, px(u, b.lower[i], 'y')]);
        }
      }
      if (up.length < 2) continue;
      c.beginPath();
      c.moveTo(up[0][0], up[0][1]);
      for (var k = 1; k < up.length; k++) c.lineTo(up[k][0], up[k][1]);
      for (k = lo.length - 1; k >= 0; k--) c.lineTo(lo[k][0], lo[k][1]);
      c.closePath();
      c.fill();
    }
  }

  function drawMark(c, x, y, shape, size) {
    var s = size / 2;
    c.beginPath();
    if (shape === 'tick') {
      c.moveTo(x, y - s); c.lineTo(x, y + s); c.stroke(); return;
    }
    if (shape === 'cross') {
      c.moveTo(x - s, y - s); c.lineTo(x + s, y + s);
      c.moveTo(x - s, y + s); c.lineTo(x + s, y - s); c.stroke(); return;
    }
    if (shape === 'triangle') {
      c.moveTo(x, y - s); c.lineTo(x + s, y + s); c.lineTo(x - s, y + s);
    } else if (shape === 'square') {
      c.rect(x - s, y - s, 2 * s, 2 * s);
    } else if (shape === 'arrow') {
      c.moveTo(x - s, y - s); c.lineTo(x + s, y); c.lineTo(x - s, y + s);
    } else if (shape === 'diamond') {
      c.moveTo(x, y - s); c.lineTo(x + s, y); c.lineTo(x, y + s); c.lineTo(x - s, y);
    } else {
      c.arc(x, y, s, 0, 2 * Math.PI);
    }
    c.closePath();
    c.fill();
    c.stroke();
  }

  /* Under the series: background spans, then bands. */
  function drawUnder(ch) {
    return function (u) {
      var c = u.ctx, r = ratio(u);
      c.save();
      clip(u, c);
      (ch.spans || []).forEach(function (s) {
        var x0 = px(u, s.x0, 'x'), x1 = px(u, s.x1, 'x');
        c.fillStyle = s.colour;
        c.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
      });
      (ch.bands || []).forEach(function (b) { drawBand(u, ch, b); });
      var sh = ch.shapes || {};
      (sh.polys || []).forEach(function (p) {
        c.fillStyle = p.colour;
        c.beginPath();
        for (var i = 0; i < p.x.length; i++) {
          var x = px(u, p.x[i], 'x'), y = px(u, p.y[i], 'y');
          if (i === 0) c.moveTo(x, y); else c.lineTo(x, y);
        }
        c.closePath();
        c.fill();
        if (p.edge) {
          c.strokeStyle = p.edge;
          c.lineWidth = 0.5 * r;
          c.stroke();
        }
      });
      c.restore();
    };
  }

  /* Over the series: reference lines, rectangles, segments, marks, text. */
  function drawOver(ch) {
    return function (u) {
      var c = u.ctx, r = ratio(u), sh = ch.shapes || {};
      c.save();
      clip(u, c);
      c.lineWidth = r;
      c.setLineDash([4 * r, 4 * r]);
      (ch.vlines || []).forEach(function (m) {
        var x = px(u, m.x, 'x');
        c.strokeStyle = m.colour || 'rgba(110,110,110,0.7)';
        c.beginPath(); c.moveTo(x, u.bbox.top); c.lineTo(x, u.bbox.top + u.bbox.height);
        c.stroke();
      });
      c.font = (11 * r) + 'px DejaVu Sans, sans-serif';
      (ch.hlines || []).forEach(function (m) {
        var y = px(u, m.y, 'y');
        c.strokeStyle = m.colour || 'rgba(110,110,110,0.9)';
        c.beginPath(); c.moveTo(u.bbox.left, y); c.lineTo(u.bbox.left + u.bbox.width, y);
        c.stroke();
        if (m.label) {
          c.fillStyle = '#444';
          c.textAlign = 'right';
          c.fillText(m.label, u.bbox.left + u.bbox.width - 4 * r, y - 3 * r);
        }
      });
      c.setLineDash([]);
      (sh.rects || []).forEach(function (b) {
        var x0 = px(u, b.x0, 'x'), x1 = px(u, b.x1, 'x');
        var y0 = px(u, b.y0, 'y'), y1 = px(u, b.y1, 'y');
        c.fillStyle = b.colour;
        c.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.max(Math.abs(x1 - x0), r),
                   Math.abs(y1 - y0));
      });
      (sh.segs || []).forEach(function (s) {
        c.strokeStyle = s.colour || '#555';
        c.lineWidth = (s.width || 1) * r;
        c.beginPath();
        c.moveTo(px(u, s.x0, 'x'), px(u, s.y0, 'y'));
        c.lineTo(px(u, s.x1, 'x'), px(u, s.y1, 'y'));
        c.stroke();
      });
      c.lineWidth = 1.2 * r;
      (sh.marks || []).forEach(function (m) {
        c.fillStyle = m.colour || '#333';
        c.strokeStyle = m.edge || m.colour || '#333';
        drawMark(c, px(u, m.x, 'x'), px(u, m.y, 'y'), m.shape, (m.size || 8) * r);
      });
      (ch.points || []).forEach(function (p) {
        c.fillStyle = p.colour;
        c.strokeStyle = p.colour;
        for (var i = 0; i < p.x.length; i++) {
          if (p.y[i] == null) continue;
          drawMark(c, px(u, p.x[i], 'x'), px(u, p.y[i], 'y'), p.shape, (p.size || 7) * r);
        }
      });
      c.fillStyle = '#222';
      c.textAlign = 'left';
      c.textBaseline = 'middle';
      (sh.texts || []).forEach(function (t) {
        c.fillStyle = t.colour || '#222';
        c.fillText(t.text, px(u, t.x, 'x') + 5 * r, px(u, t.y, 'y'));
      });
      c.restore();
    };
  }

  function axis(ch, which) {
    var log = which === 'x' ? ch.log_x : ch.log_y;
    var ticks = which === 'x' ? ch.x_ticks : ch.y_ticks;
    var a = {label: which === 'x' ? ch.x_label : ch.y_label};
    if (which === 'y') a.size = ticks ? (ch.y_ticks_width || 150) : 72;
    if (ticks) {
      a.splits = function () { return ticks.map(function (t) { return t.v; }); };
      a.values = function () { return ticks.map(function (t) { return t.label; }); };
      a.grid = {show: false};
    } else if (log) {
      a.splits = decades;
      a.values = function (u, splits) { return splits.map(fmtLog); };
    }
    return a;
  }

  function csvCell(v) {
    if (v == null) return '';
    var s = String(v);
    return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function download(name, blob) {
    var a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  /* A chart's data as CSV: its own table when it has one, else the long (tidy) form
   * series,x,y of every line, band edge and point set. */
  function chartCsv(ch) {
    var cols, rows = [];
    if (ch.csv) {
      cols = ch.csv.columns;
      rows = ch.csv.rows;
    } else {
      cols = ['series', ch.x_label, ch.y_label];
      (ch.series || []).forEach(function (s) {
        s.values.forEach(function (v, i) { if (v != null) rows.push([s.label, ch.x[i], v]); });
      });
      (ch.bands || []).forEach(function (b) {
        b.lower.forEach(function (v, i) {
          if (v != null) rows.push([b.label + ' lower', ch.x[i], v]);
        });
        b.upper.forEach(function (v, i) {
          if (v != null) rows.push([b.label + ' upper', ch.x[i], v]);
        });
      });
      (ch.points || []).forEach(function (p) {
        p.x.forEach(function (x, i) { rows.push([p.label, x, p.y[i]]); });
      });
    }
    return [cols].concat(rows).map(function (r) {
      return r.map(csvCell).join(',');
    }).join('\n') + '\n';
  }

  function links(box, id, csv, canvasOf, title) {
    var d = el('div', 'dl');
    var a = el('a', null, 'CSV');
    a.href = '#';
    a.onclick = function (e) {
      e.preventDefault();
      download(id + '.csv', new Blob([csv()], {type: 'text/csv'}));
    };
    d.appendChild(el('span', null, 'download: '));
    d.appendChild(a);
    if (canvasOf) {
      var p = el('a', null, 'PNG');
      p.href = '#';
      p.onclick = function (e) {
        e.preventDefault();
        var src = canvasOf(), out = document.createElement('canvas');
        var head = Math.round(30 * src.width / 1000) + 10;
        out.width = src.width;
        out.height = src.height + head;
        var c = out.getContext('2d');
        c.fillStyle = '#fff';
        c.fillRect(0, 0, out.width, out.height);
        c.fillStyle = '#222';
        c.font = Math.round(head * 0.55) + 'px DejaVu Sans, sans-serif';
        c.fillText(title, 8, head * 0.7);
        c.drawImage(src, 0, head);
        out.toBlob(function (b) { download(id + '.png', b); }, 'image/png');
      };
      d.appendChild(el('span', null, ' \u00b7 '));
      d.appendChild(p);
    }
    box.appendChild(d);
  }

  function section(b) {
    var s = el('section', 'block');
    s.id = 'block-' + b.id;
    s.appendChild(el('h2', null, b.title));
    if (b.note) s.appendChild(el('p', 'note', b.note));
    root.appendChild(s);
    return s;
  }

  function renderTable(t) {
    var s = section(t), tab = el('table', 'data'), tr = el('tr');
    t.columns.forEach(function (c) { tr.appendChild(el('th', null, c)); });
    var head = el('thead');
    head.appendChild(tr);
    tab.appendChild(head);
    var body = el('tbody');
    t.rows.forEach(function (r) {
      var row = el('tr');
      r.forEach(function (v) { row.appendChild(el('td', null, v == null ? '' : v)); });
      body.appendChild(row);
    });
    tab.appendChild(body);
    s.appendChild(tab);
    links(s, t.id, function () {
      return [t.columns].concat(t.rows).map(function (r) {
        return r.map(csvCell).join(',');
      }).join('\n') + '\n';
    }, null, t.title);
  }

  function legendExtra(s, ch) {
    /* the chart's own entries, then one per set of points that has any */
    var entries = (ch.legend || []).concat((ch.points || []).filter(function (p) {
      return p.x.length > 0;
    }).map(function (p) {
      return {label: p.label, colour: p.colour, shape: p.shape};
    }));
    if (entries.length > 0) {
      var l = el('div', 'legend');
      entries.forEach(function (e) {
        var item = el('span', 'item'), sw;
        if (!e.shape || e.shape === 'box') {
          sw = el('span', 'swatch box');
          sw.style.background = e.colour;
        } else {
          /* the mark as the chart draws it */
          sw = document.createElement('canvas');
          sw.className = 'swatch';
          sw.width = 24;
          sw.height = 24;
          var c = sw.getContext('2d');
          c.fillStyle = e.colour;
          c.strokeStyle = e.colour;
          c.lineWidth = 2.4;
          drawMark(c, 12, 12, e.shape, 16);
        }
        item.appendChild(sw);
        item.appendChild(el('span', null, e.label));
        l.appendChild(item);
      });
      s.appendChild(l);
    }
    if (ch.colour_scale) {
      var cs = ch.colour_scale, g = el('div', 'scale');
      g.appendChild(el('span', null, cs.label + ': ' + cs.min_label + ' '));
      var bar = el('span', 'bar');
      bar.style.background = 'linear-gradient(to right,' + cs.colours.join(',') + ')';
      g.appendChild(bar);
      g.appendChild(el('span', null, ' ' + cs.max_label));
      s.appendChild(g);
    }
  }

  /* Numbers at risk (or any counts) in rows under the plot, each number centred
   * under its time on the x axis. */
  function riskTable(box, u, ch) {
    var rk = ch.risk, r = ratio(u);
    box.appendChild(el('div', 'risk-title', rk.title));
    box.style.height = (20 + 17 * rk.rows.length) + 'px';
    rk.rows.forEach(function (row, k) {
      var lab = el('div', 'risk-label', row.label);
      lab.style.top = (20 + 17 * k) + 'px';
      lab.style.width = (u.bbox.left / r - 36) + 'px';
      if (row.colour) lab.style.color = row.colour;
      box.appendChild(lab);
      rk.times.forEach(function (t, i) {
        var v = el('div', 'risk-cell', row.values[i]);
        v.style.top = (20 + 17 * k) + 'px';
        v.style.left = (u.bbox.left / r + u.valToPos(t, 'x') - 30) + 'px';
        box.appendChild(v);
      });
    });
  }

  function renderChart(ch) {
    var s = section(ch), box = el('div', 'chart');
    s.appendChild(box);
    var series = [{label: ch.x_label}], cols = [];
    var lineSeries = ch.series || [];
    if (ch.x && ch.x.length > 0 && lineSeries.length > 0) {
      cols.push(ch.x);
      lineSeries.forEach(function (sr) {
        var o = {label: sr.label, stroke: sr.colour, width: sr.width || 2,
                 spanGaps: false};
        if (sr.dash) o.dash = [8, 4];
        if (sr.step) o.paths = uPlot.paths.stepped({align: 1});
        if (sr.points_only) {
          o.paths = function () { return null; };
          o.points = {show: true, size: 7, fill: sr.colour, stroke: sr.colour};
        } else {
          o.points = {show: false};
        }
        series.push(o);
        cols.push(sr.values);
      });
    } else {
      /* Shapes only: one empty series gives uPlot its scales. */
      cols.push(ch.x_range);
      cols.push([null, null]);
      series.push({label: '', show: true, stroke: 'transparent'});
    }
    var xs = {time: false, distr: ch.log_x ? 3 : 1};
    var ys = {distr: ch.log_y ? 3 : 1};
    if (ch.x_range) xs.range = function () { return ch.x_range; };
    if (ch.y_range) ys.range = function () { return ch.y_range; };
    /* The risk table is placed once uPlot has laid the chart out (its bbox). */
    var risk = ch.risk ? el('div', 'risk') : null;
    var u = new uPlot({
      width: width, height: ch.height || 320, series: series,
      legend: {show: lineSeries.length > 0 && !ch.no_legend},
      scales: {x: xs, y: ys},
      axes: [axis(ch, 'x'), axis(ch, 'y')],
      hooks: {drawAxes: [drawUnder(ch)], draw: [drawOver(ch)],
              ready: [function (u_) { if (risk) riskTable(risk, u_, ch); }]}
    }, cols, box);
    plots.push(u);
    if (risk) s.appendChild(risk);
    legendExtra(s, ch);
    links(s, ch.id, function () { return chartCsv(ch); },
          function () { return u.ctx.canvas; }, ch.title);
  }

  var nav = document.getElementById('contents');
  data.blocks.forEach(function (b) {
    if (nav) {
      var a = el('a', null, b.title);
      a.href = '#block-' + b.id;
      nav.appendChild(a);
      nav.appendChild(document.createTextNode(' '));
    }
    if (b.type === 'table') renderTable(b); else renderChart(b);
  });

  /* uPlot draws in a microtask.  Afterwards a chart counts as drawn when its plot
   * area holds coloured ink: axes, grid and text are grey, data never is. */
  function inked(u) {
    var c = u.ctx, b = u.bbox;
    var px_ = c.getImageData(b.left, b.top, Math.max(1, b.width), Math.max(1, b.height)).data;
    for (var i = 0; i < px_.length; i += 4) {
      var hi = Math.max(px_[i], px_[i + 1], px_[i + 2]);
      var lo = Math.min(px_[i], px_[i + 1], px_[i + 2]);
      if (px_[i + 3] > 0 && hi - lo > 40) return true;
    }
    return false;
  }
  setTimeout(function () {
    var blank = [];
    plots.forEach(function (u, i) {
      if (!inked(u)) blank.push(u.root.parentNode.parentNode.id);
    });
    document.body.dataset.charts = String(plots.length);
    document.body.dataset.chartsDrawn = String(plots.length - blank.length);
    document.body.dataset.chartsBlank = blank.join(' ');
    /* Every block's CSV download must hold data, not just a header. */
    var empty = [];
    data.blocks.forEach(function (b) {
      var csv = b.type === 'table' ? b.rows : chartCsv(b).trim().split('\n').slice(1);
      if (csv.length === 0) empty.push(b.id);
    });
    document.body.dataset.csvEmpty = empty.join(' ');
    document.body.dataset.rendered = '1';
  }, 50);
})();
