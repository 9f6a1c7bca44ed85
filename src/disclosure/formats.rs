//! One disclosure in the formats residents and offices read: an A4 PDF with the title block,
//! the tables, the fingerprints, the books' heads and a QR code of the online copy; a CSV of
//! its tables; and the HTML of its tables for the public site (and a page of its own for
//! `disclose --out`). All from the same `DisclosureOut`, so the four carry one set of numbers
//! (the JSON is the pack itself).

use std::fmt::Write;

use super::pack::{Content, DisclosureOut, Publication};
use crate::error::Result;
use crate::render::table::{Align, Table};
use crate::report::engine::TableOut;
use crate::report::paper::{document_pdf, PaperDoc};

/// The lines of the title block: community, period, cut-off, version, approver and date.
pub fn title_lines(content: &Content, publication: Option<&Publication>) -> Vec<String> {
    let mut lines = vec![format!("公示单位：{}    公示期间：{}    数据截止：{}", content.community.name, content.label, content.cut_off)];
    lines.push(match publication {
        Some(p) => format!(
            "版本：第 {} 版    审核人：{}    编制人：{}    发布日期：{}",
            p.version,
            p.approved_by,
            p.drafted_by,
            crate::domain::time::beijing_date(p.published_at)
        ),
        None => "草稿：尚未审核发布".into(),
    });
    if let Some(p) = publication.filter(|p| p.corrects.is_some()) {
        lines.push(format!("本版更正第 {} 版，原因：{}", p.corrects.unwrap_or_default(), p.reason));
    }
    lines
}

/// The lines at the foot: the disclosure's and the pack's fingerprints, each book's head at
/// the cut-off, and each month's payment tree root.
pub fn proof_lines(d: &DisclosureOut, content: &Content, pack_fingerprint: &str) -> Vec<String> {
    let mut lines = vec![format!("本表指纹（SHA-256）：{}", d.fingerprint), format!("公示包指纹：{pack_fingerprint}")];
    for h in &content.heads {
        lines.push(format!("账簿 {}（{}）截至 {} 的链头：第 {} 张凭证 {}", h.name, h.book, content.cut_off, h.chain_len, h.chain_head));
    }
    if d.id == "fee_collection" {
        for t in &content.trees {
            lines.push(format!(
                "{} 收款核验根：{}（{} 张收据，合计 {} 元）",
                t.period,
                t.root,
                t.receipts,
                crate::render::table::money_grouped(t.total_fen)
            ));
        }
    }
    lines.push("核对方法：以 mingzhang check-pack 或自编脚本按 reports/README.md 所述格式核对公示包（JSON）。".into());
    lines
}

/// A table as the plain table the text, CSV and PDF renderers take.
pub fn text_table(t: &TableOut) -> Table {
    let mut headers: Vec<(&str, Align)> = vec![(t.by_label.as_str(), Align::Left)];
    if t.rows.iter().any(|r| r.line.is_some()) {
        headers.push(("行次", Align::Right));
    }
    let with_lines = headers.len() == 2;
    headers.extend(t.columns.iter().map(|c| (c.label.as_str(), if c.text { Align::Left } else { Align::Right })));
    let mut out = Table::new(t.title.clone(), &headers);
    for r in &t.rows {
        let mut cells = vec![r.label.clone()];
        if with_lines {
            cells.push(r.line.map(|l| l.to_string()).unwrap_or_default());
        }
        cells.extend(r.values.iter().zip(&t.columns).map(|(v, c)| v.display(c.format)));
        out.rows.push(cells);
    }
    for c in &t.checks {
        if !c.holds {
            out.footer.push(format!("校验不成立：{}（{}）：{} ≠ {}", c.label, c.at, c.left, c.right));
        }
    }
    out.footer.extend(t.notes.iter().cloned());
    out
}

pub fn pdf(d: &DisclosureOut, content: &Content, pack_fingerprint: &str, publication: Option<&Publication>) -> Result<Vec<u8>> {
    let tables: Vec<Table> = d.tables.iter().map(text_table).collect();
    let mut head = title_lines(content, publication);
    head.push(format!("依据：{}", d.basis));
    let mut foot: Vec<String> = d.notes.clone();
    foot.extend(proof_lines(d, content, pack_fingerprint));
    if let Some(p) = publication {
        foot.push(format!("网上公示：{}", p.url));
    }
    let doc = PaperDoc {
        title: &d.title,
        author: &content.community.name,
        head: &head,
        tables: &tables,
        foot: &foot,
        qr: publication.map(|p| p.url.as_str()),
        date: content.cut_off,
    };
    document_pdf(&doc)
}

/// The disclosure's tables as CSV (UTF-8 with BOM, for Excel): each table's title on a line of
/// its own, its header, its rows with plain numbers (yuan "1234.56", percent "63.5").
pub fn csv(d: &DisclosureOut, content: &Content) -> String {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    let _ = w.write_record([d.title.as_str(), content.community.name.as_str(), content.label.as_str()]);
    for t in &d.tables {
        let _ = w.write_record([t.title.as_str()]);
        let mut header = vec![t.by_label.clone()];
        header.extend(t.columns.iter().map(|c| c.label.clone()));
        let _ = w.write_record(&header);
        for r in &t.rows {
            let mut cells = vec![r.label.clone()];
            cells.extend(r.values.iter().zip(&t.columns).map(|(v, c)| v.plain(c.format)));
            let _ = w.write_record(&cells);
        }
    }
    let _ = w.write_record(["指纹", d.fingerprint.as_str()]);
    format!("\u{feff}{}", String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default())
}

/// The standalone page's style: the rules of the site's style.css that its tables use.
const PAGE_CSS: &str = "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:0;padding:1rem;line-height:1.5}\
main{max-width:60rem;margin:auto}table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}\
th,td{border-bottom:1px solid #dde;padding:.3rem .5rem}.num{text-align:right;font-variant-numeric:tabular-nums}\
tr.total{font-weight:700}.muted{color:#555}.small{font-size:.85rem;word-break:break-all}.error{color:#b00}\
@media (max-width:640px){table.disclosure thead{display:none}table.disclosure,table.disclosure tbody,table.disclosure tr,\
table.disclosure th,table.disclosure td{display:block;width:auto}table.disclosure tr{border:1px solid #ccd;border-radius:6px;\
margin:0 0 .6rem;padding:.3rem .6rem}table.disclosure td{display:flex;justify-content:space-between;gap:1rem;border:0;\
padding:.15rem 0;text-align:right}table.disclosure td::before{content:attr(data-label);color:#555;text-align:left}}";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The disclosure's tables as HTML: on a phone each row becomes a card of "label: figure"
/// lines (style.css, `table.disclosure`), so no column is cut off.
pub fn html_tables(d: &DisclosureOut) -> String {
    let mut out = String::new();
    for t in &d.tables {
        let _ = write!(out, "<h3>{}</h3>\n<table class=\"disclosure\">\n<thead><tr><th>{}</th>", escape(&t.title), escape(&t.by_label));
        for c in &t.columns {
            let _ = write!(out, "<th{}>{}</th>", if c.text { "" } else { " class=\"num\"" }, escape(&c.label));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for r in &t.rows {
            let _ = write!(out, "<tr{}><th scope=\"row\">{}</th>", if r.total { " class=\"total\"" } else { "" }, escape(&r.label));
            for (v, c) in r.values.iter().zip(&t.columns) {
                let _ = write!(
                    out,
                    "<td data-label=\"{}\"{}>{}</td>",
                    escape(&c.label),
                    if c.text { "" } else { " class=\"num\"" },
                    escape(&v.display(c.format))
                );
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        for c in t.checks.iter().filter(|c| !c.holds) {
            let _ = writeln!(out, "<p class=\"error\">校验不成立：{}（{}）</p>", escape(&c.label), escape(&c.at));
        }
    }
    out
}

/// A page of its own for `disclose --out`: the title block, the tables, the notes and proofs.
pub fn html_page(d: &DisclosureOut, content: &Content, pack_fingerprint: &str, publication: Option<&Publication>) -> String {
    let mut out = format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{}</style></head><body><main>\n<h1>{}</h1>\n",
        escape(&d.title),
        PAGE_CSS,
        escape(&d.title)
    );
    for line in title_lines(content, publication) {
        let _ = writeln!(out, "<p class=\"muted\">{}</p>", escape(&line));
    }
    out += &html_tables(d);
    for line in d.notes.iter().chain(&proof_lines(d, content, pack_fingerprint)) {
        let _ = writeln!(out, "<p class=\"muted small\">{}</p>", escape(line));
    }
    out + "</main></body></html>\n"
}
