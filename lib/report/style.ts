import { COLORS as C } from './colors';

/** The page's only stylesheet, inline: the report makes no request of any kind. */
export const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:${C.text};background:${C.page}}
main{max-width:64rem;margin:0 auto;padding:1rem}
h1{font-size:1.75rem;margin:.5rem 0}
h2{font-size:1.4rem;margin:2rem 0 .5rem;border-bottom:2px solid ${C.border};padding-bottom:.25rem}
h3{font-size:1.1rem;margin:1.5rem 0 .5rem}
.banner{padding:.75rem 1rem;border-radius:4px;font-weight:600;margin:1rem 0}
.banner.ok{background:${C.okBg};color:${C.okText}}
.banner.fail{background:${C.warnBg};color:${C.warnText};border:2px solid ${C.warn}}
.warn-text{color:${C.warn};font-weight:600}
.ok-text{color:${C.okText};font-weight:600}
.controls,.none,figcaption,.note{color:${C.muted}}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
caption{text-align:left;color:${C.muted};padding:.25rem 0}
th,td{border:1px solid ${C.border};padding:.25rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
thead th{background:${C.headerBg}}
td.num,th.num{text-align:right}
tr.warn td{color:${C.warn};font-weight:600}
dl.facts{display:grid;grid-template-columns:minmax(8rem,18rem) minmax(0,1fr);gap:.25rem 1rem}
@media (max-width:40rem){dl.facts{grid-template-columns:minmax(0,1fr)}dl.facts dd{margin-bottom:.5rem}}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0;overflow-wrap:anywhere}
figure{margin:1rem 0}
svg.chart{width:100%;height:auto;max-width:720px;display:block}
svg .axis{font-size:12px;fill:${C.muted}}
nav ul{padding-left:1.25rem}
pre{overflow-x:auto;max-width:100%;white-space:pre-wrap;overflow-wrap:anywhere;background:${C.headerBg};padding:.5rem}
code{overflow-wrap:anywhere}
.table-wrap table{min-width:0}
main>*{max-width:100%}
`;
