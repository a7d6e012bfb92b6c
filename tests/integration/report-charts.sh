#!/bin/bash
# report-charts.sh — `isolab report --html/--png/--pdf` of the shipped test
# journal (tests/data/journal/report), looked at by real tools: headless
# Chromium renders the page (in a network namespace of its own, so a page
# that tried to load anything would show it), and the test checks that
# the screenshot is not blank, that the charts' colours are on it, and that
# the DOM Chromium built holds every chart and section; pdftoppm renders
# each page of the PDF and pdftotext finds the charts' text in it; each
# PNG is a picture with ink on it.
. "$top_srcdir/tests/integration/lib.sh"

chromium=$(command -v chromium || true)
[ -n "$chromium" ] || skip "chromium is not installed (apt-get install chromium)"
command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null ||
	skip "pdftoppm/pdftotext are not installed (apt-get install poppler-utils)"
stats=$top_builddir/tests/integration/png-stats
[ -x "$stats" ] || fail "$stats is not built (make check builds it)"

journal=$top_srcdir/tests/data/journal/report
out=$test_state/out
mkdir -p "$out"
isolab report "$journal" --html "$out/r.html" --png "$out/png" --pdf "$out/r.pdf" >"$out/log" 2>&1 ||
	fail "report --html --png --pdf: $(cat "$out/log")"
grep -q '^runc     cpu       rate' "$out/log" || fail "the text report is not printed: $(cat "$out/log")"
ok "report wrote the page, the PNGs and the PDF"

charts=(metric-cpu-rate metric-cpu-lat series-cpu-native-rate series-cpu-native-lat series-cpu-runc-rate
	series-cpu-runc-lat startup cpu-by-role memory-by-role)
titles=("cpu — rate" "cpu — lat" "native — cpu rate per second" "native — cpu lat per second"
	"runc — cpu rate per second" "runc — cpu lat per second" "Start-up: launch to ready" "Host CPU by role"
	"Memory by role: peak RSS")

# Each PNG: a picture of the expected size class with ink, the bars' blue on it.
for c in "${charts[@]}"; do
	f=$out/png/$c.png
	[ -s "$f" ] || fail "no $f"
	"$stats" "$f" 0072b2 >"$out/s" || fail "$f is not a PNG: $(cat "$out/s")"
	awk '/^ink/ { exit !($2 > 0.02) }' "$out/s" || fail "$f looks blank: $(cat "$out/s")"
	awk '/^colour/ { exit !($3 > 50) }' "$out/s" || fail "$f has no chart colour: $(cat "$out/s")"
done
[ "$(ls "$out/png" | wc -l)" -eq ${#charts[@]} ] || fail "unexpected PNGs: $(ls "$out/png")"
ok "${#charts[@]} PNGs with ink and the charts' colour"

# The PDF: one page per chart, each with ink; its text is real text.
pdftoppm -r 30 -png "$out/r.pdf" "$out/page" 2>"$out/err" || fail "pdftoppm: $(cat "$out/err")"
pages=("$out"/page-*.png)
[ ${#pages[@]} -eq ${#charts[@]} ] || fail "the PDF has ${#pages[@]} pages, not ${#charts[@]}"
for p in "${pages[@]}"; do
	"$stats" "$p" >"$out/s" || fail "pdftoppm wrote no PNG: $p"
	awk '/^ink/ { exit !($2 > 0.02) }' "$out/s" || fail "$p looks blank: $(cat "$out/s")"
done
pdftotext "$out/r.pdf" "$out/r.txt" || fail "pdftotext failed"
for t in "${titles[@]}" "rep 4 (did not finish)" "workload" "runtime" "create"; do
	grep -qF "$t" "$out/r.txt" || fail "the PDF's text lacks '$t'"
done
ok "the PDF: ${#pages[@]} pages drawn by pdftoppm, its text found by pdftotext"

# Chromium: one run gives the screenshot and the DOM it built.
profile=$test_state/chromium
mkdir -p "$profile"
ns=(unshare --net)
"${ns[@]}" true 2>/dev/null || ns=()
"${ns[@]}" "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$profile" --window-size=1000,2600 --screenshot="$out/shot.png" \
	--dump-dom "file://$out/r.html" >"$out/dom.html" 2>"$out/chromium.err" ||
	fail "chromium failed: $(tail -n 5 "$out/chromium.err")"
[ -s "$out/shot.png" ] || fail "chromium wrote no screenshot: $(tail -n 5 "$out/chromium.err")"
"$stats" "$out/shot.png" 0072b2 9a9a9a e69f00 >"$out/s" || fail "the screenshot is not a PNG"
awk '/^ink/ { exit !($2 > 0.03) }' "$out/s" || fail "the screenshot looks blank: $(cat "$out/s")"
for c in 0072b2 9a9a9a e69f00; do
	awk -v c=$c '$1 == "colour" && $2 == c { exit !($3 > 100) }' "$out/s" ||
		fail "the screenshot lacks the charts' colour $c: $(cat "$out/s")"
done
ok "Chromium's screenshot has ink and the bars' colours ($(grep ink "$out/s"))"

n=$(grep -o '<figure id="chart-' "$out/dom.html" | wc -l)
[ "$n" -eq ${#charts[@]} ] || fail "the DOM has $n charts, not ${#charts[@]}"
for i in "${!charts[@]}"; do
	grep -q "<figure id=\"chart-${charts[$i]}\"><svg" "$out/dom.html" || fail "the DOM lacks chart ${charts[$i]}"
	grep -qF "<title>${titles[$i]}</title>" "$out/dom.html" || fail "the DOM lacks the title '${titles[$i]}'"
done
for s in '<h2>Environment</h2>' '<h2>Comparison</h2>' '<td>test CPU</td>' 'Host CPU by role</h2>' \
	'>rep 4 (did not finish)</text>' '>native</text>'; do
	grep -qF "$s" "$out/dom.html" || fail "the DOM lacks $s"
done
ok "Chromium's DOM: ${#charts[@]} charts with their titles, the environment and the table"
