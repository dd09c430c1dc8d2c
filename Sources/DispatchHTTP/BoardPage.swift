import DispatchOperations
import Foundation
import SchedulingCore

/// The board as one self-contained HTML page: the day's figures, the Gantt chart (scrolling,
/// with a tooltip per visit) and the orders unassigned or waiting for a new appointment. No
/// external files, fonts or scripts, so it can be mailed or opened offline.
public struct BoardPage {
    let board: Board

    public init(board: Board) { self.board = board }

    /// The chart and the orders waiting, as the live board swaps them in (`/board/day`).
    public func fragment(styled: Bool = true, tiles: String? = nil) -> String {
        func esc(_ text: String) -> String { SVGWriter.escape(text) }
        func table(_ heading: String, _ items: [Board.Waiting]) -> String {
            guard !items.isEmpty else { return "<h2>\(esc(heading)) (0)</h2><p class=\"none\">None.</p>" }
            let rows = items.map { item -> String in
                let order = item.order.order
                // A button to pick the order up (by keyboard too) and plan it by hand.
                let pick = "<button type=\"button\" class=\"pick-order\" data-order=\"\(esc(order.id))\">\(esc(order.id))</button>"
                let window = order.window.map { "\(board.zone.local($0.start).time)–\(board.zone.local($0.end).time)" } ?? ""
                return
                    "<tr data-order=\"\(esc(order.id))\"><td>\(pick)</td><td>\(esc(order.type.rawValue)) \(esc(order.service.rawValue))</td>"
                    + "<td>\(esc(order.customer.tier.rawValue))</td><td>\(esc(window))</td><td><code>\(esc(item.code))</code></td>"
                    + "<td>\(esc(item.reason))</td></tr>"
            }
            return "<h2>\(esc(heading)) (\(items.count))</h2><table><thead><tr><th>Order</th><th>Work</th><th>Tier</th><th>Window</th>"
                + "<th>Code</th><th>Reason</th></tr></thead><tbody>\(rows.joined(separator: "\n"))</tbody></table>"
        }
        let chart = BoardChart(board: board)
        let span = chart.span
        return """
            <div class="chart" data-day="\(board.date)" data-version="\(board.version ?? 0)" data-span-start="\(esc(board.zone.rfc3339(span.start)))" \
            data-minute-px="\(BoardChart.pixelsPerMinute)" data-label-px="\(BoardChart.labelWidth)">
            \(chart.svg(styled: styled))
            </div>
            <section class="map-section">
            <h2>Routes</h2>
            <div class="map-box">\(BoardMap(board: board, tiles: tiles).svg())</div>
            </section>
            <section>
            \(table("Unassigned", board.unassigned))
            \(table("Waiting for a new appointment", board.rebooking))
            </section>
            """
    }

    public func html() -> String {
        let title = "Board of \(board.date)"
        func esc(_ text: String) -> String { SVGWriter.escape(text) }
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(esc(title))</title>
            <style>
            body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
            header{padding:14px 20px;background:#243b53;color:#fff}
            header h1{margin:0;font-size:20px}header p{margin:6px 0 0;font-size:13px;color:#d9e2ec}
            .chart{margin:14px 20px;overflow:auto;max-height:78vh;background:#fff;border:1px solid #cbd2d9;border-radius:4px}
            .chart svg{display:block}
            section{margin:0 20px 24px}h2{font-size:16px;margin:18px 0 8px}
            table{border-collapse:collapse;background:#fff;font-size:13px;width:100%}
            th,td{border:1px solid #d9e2ec;padding:4px 8px;text-align:left;vertical-align:top}th{background:#e8edf3}
            .none{color:#616e7c}
            #tip{position:fixed;pointer-events:none;display:none;background:#102a43;color:#fff;font-size:12px;padding:6px 9px;
            border-radius:4px;white-space:pre-line;max-width:360px;box-shadow:0 2px 8px rgba(0,0,0,.3)}
            </style>
            </head>
            <body>
            <header><h1>\(esc(title)) (\(esc(board.zone.identifier)))</h1><p>Hover a visit for its details; the chart scrolls.</p></header>
            \(fragment())
            <div id="tip"></div>
            <script>
            (function () {
              var tip = document.getElementById('tip');
              document.querySelectorAll('g.visit').forEach(function (g) {
                var t = g.querySelector('title'); if (t) { g.removeChild(t); }
                g.addEventListener('mousemove', function (e) {
                  tip.textContent = g.getAttribute('data-tip'); tip.style.display = 'block';
                  tip.style.left = (e.clientX + 14) + 'px'; tip.style.top = (e.clientY + 14) + 'px';
                });
                g.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
              });
            })();
            </script>
            </body>
            </html>

            """
    }
}
