//! 补贴资金对账单: a reconciliation as a table (text, CSV, XLSX, and the rows of its PDF and
//! page), and the finance office's overview as a table.

use super::overview::ProgramLine;
use super::{SignSide, Statement};
use crate::error::Result;
use crate::render::pdf::{render, Align as At, Meta, Page, Paper};
use crate::render::table::{money_cell, money_grouped, Align, Table};

pub fn statement_table(s: &Statement) -> Table {
    let r = &s.reconciliation;
    let p = &s.program;
    let mut t =
        Table::new("补贴资金对账单", &[("序号", Align::Right), ("差异类型", Align::Left), ("金额", Align::Right), ("说明", Align::Left)]);
    t.subtitle = vec![
        format!("社区：{}　对账单编号：#{}", s.community, r.id),
        format!("补贴项目：{}（文号 {}，批复金额 {}）", p.purpose, p.document_no, money_grouped(p.approved_fen)),
        format!("对账期间：{} 至 {}", r.from_on, r.until_on.pred_opt().unwrap_or(r.until_on)),
        format!(
            "本期拨付 {}　本期到账 {}　本期列支 {}（其中可列支类别 {}）",
            money_grouped(r.disbursed_fen),
            money_grouped(r.received_fen),
            money_grouped(r.spent_fen),
            money_grouped(r.spent_eligible_fen)
        ),
    ];
    for d in &s.differences {
        t.rows.push(vec![d.seq.to_string(), d.kind.label().to_string(), money_cell(d.amount_fen), d.detail.clone()]);
    }
    if s.differences.is_empty() {
        t.footer.push("本期拨付与到账、支出逐笔核对相符，无差异。".into());
    } else {
        t.footer.push(format!("差异共 {} 项。", s.differences.len()));
    }
    for n in &s.notes {
        t.footer.push(format!("第 {} 项差异，{}说明：{}", n.seq, n.side.label(), n.note));
    }
    for side in [SignSide::Company, SignSide::FinanceOffice] {
        t.footer.push(match s.signed_by(side) {
            Some(sig) => format!(
                "{}签字：{}（{}，北京时间 {}）",
                side.label(),
                sig.display_name,
                sig.username,
                crate::domain::time::beijing_minute(sig.signed_at)
            ),
            None => format!("{}签字：（未签）", side.label()),
        });
    }
    t.footer.push(format!("状态：{}　指纹：{}", s.state_label(), r.fingerprint));
    t
}

/// What the statement covers: each disbursement, receipt and expense it saw, by side and date.
pub fn covered_table(s: &Statement) -> Table {
    let mut t = Table::new("对账明细", &[("类别", Align::Left), ("日期", Align::Left), ("金额", Align::Right), ("凭据", Align::Left)]);
    for c in &s.covered {
        t.rows.push(vec![c.side.label().to_string(), c.on_date.to_string(), money_cell(c.amount_fen), c.detail.clone()]);
    }
    t
}

/// The lines each side signs and seals on paper.
pub const SIGN_LINES: [&str; 2] = [
    "物业公司（盖章）　　　　　　　经办人签字：＿＿＿＿＿＿　　日期：＿＿＿＿＿＿",
    "街道财政所（盖章）　　　　　　经办人签字：＿＿＿＿＿＿　　日期：＿＿＿＿＿＿",
];

pub fn overview_table(lines: &[ProgramLine]) -> Table {
    let mut t = Table::new(
        "补贴资金情况",
        &[
            ("社区", Align::Left),
            ("文号", Align::Left),
            ("用途", Align::Left),
            ("批复", Align::Right),
            ("已拨付", Align::Right),
            ("已到账", Align::Right),
            ("已列支", Align::Right),
            ("结余", Align::Right),
            ("最近对账", Align::Left),
        ],
    );
    for l in lines {
        let latest = match &l.latest {
            Some(r) => {
                format!("#{} {}–{} 差异{}项 {}", r.id, r.from_on, r.until_on.pred_opt().unwrap_or(r.until_on), r.differences, r.state)
            }
            None => "尚未对账".into(),
        };
        t.rows.push(vec![
            l.community.clone(),
            l.document_no.clone(),
            l.purpose.clone(),
            money_cell(l.approved.0),
            money_cell(l.disbursed.0),
            money_cell(l.received.0),
            money_cell(l.spent.0),
            money_cell(l.unspent.0),
            latest,
        ]);
    }
    t
}

/// Differences on the first page of the PDF, and on each page after it.
const FIRST_PAGE_ROWS_MM: f32 = 200.0;
const LEFT_MM: f32 = 15.0;
const RIGHT_MM: f32 = 195.0;

/// 补贴资金对账单 as an A4 PDF: the program, the period and its totals, every difference (its
/// explanation wrapped), both sign-offs and the fingerprint that each side signed.
pub fn statement_pdf(s: &Statement) -> Result<Vec<u8>> {
    let t = statement_table(s);
    let mut pages = Vec::new();
    let mut page = Page::new(Paper::A4)?;
    page.text(105.0, 20.0, 16.0, At::Center, "补贴资金对账单");
    let mut y = 30.0;
    for line in &t.subtitle {
        y = page.paragraph(LEFT_MM, y, RIGHT_MM - LEFT_MM, 10.0, 5.0, line) + 6.0;
    }
    y = draw_differences(&mut pages, &mut page, s, &t, y)?;
    if y > 250.0 {
        pages.push(page);
        page = Page::new(Paper::A4)?;
        y = 25.0;
    }
    page.line((LEFT_MM, y - 3.0), (RIGHT_MM, y - 3.0), 0.4);
    for line in &t.footer {
        y = page.paragraph(LEFT_MM, y + 3.0, RIGHT_MM - LEFT_MM, 9.5, 5.0, line) + 4.0;
    }
    // What was covered, row by row, then the lines each side signs and seals.
    y = draw_covered(&mut pages, &mut page, s, y)?;
    if y > 255.0 {
        pages.push(page);
        page = Page::new(Paper::A4)?;
        y = 25.0;
    }
    y += 8.0;
    for line in SIGN_LINES {
        page.text(LEFT_MM, y, 10.0, At::Left, line);
        y += 12.0;
    }
    pages.push(page);
    let title = format!("补贴资金对账单 #{} {}", s.reconciliation.id, s.program.document_no);
    let date = s.reconciliation.until_on.pred_opt().unwrap_or(s.reconciliation.until_on);
    render(&Meta { title: &title, author: &s.community, subject: "补贴资金对账单", date }, pages)
}

/// The differences, one row each under a header repeated on every page, from `y` down.
/// Returns where the pen stopped.
fn draw_differences(pages: &mut Vec<Page>, page: &mut Page, s: &Statement, t: &Table, mut y: f32) -> Result<f32> {
    let header = |page: &mut Page, y: f32| {
        page.rect(LEFT_MM, y - 5.0, RIGHT_MM - LEFT_MM, 7.0, Some(0.9));
        page.text(LEFT_MM + 2.0, y, 9.5, At::Left, "序号");
        page.text(LEFT_MM + 14.0, y, 9.5, At::Left, "差异类型");
        page.text(LEFT_MM + 72.0, y, 9.5, At::Right, "金额");
        page.text(LEFT_MM + 76.0, y, 9.5, At::Left, "说明");
    };
    header(page, y);
    y += 8.0;
    let mut bottom = 30.0 + FIRST_PAGE_ROWS_MM;
    for row in &t.rows {
        if y > bottom {
            pages.push(std::mem::replace(page, Page::new(Paper::A4)?));
            page.text(105.0, 15.0, 10.0, At::Center, &format!("补贴资金对账单 #{}（续）", s.reconciliation.id));
            y = 25.0;
            header(page, y);
            y += 8.0;
            bottom = 270.0;
        }
        page.text(LEFT_MM + 2.0, y, 9.0, At::Left, &row[0]);
        page.text(LEFT_MM + 14.0, y, 9.0, At::Left, &row[1]);
        page.text(LEFT_MM + 72.0, y, 9.0, At::Right, &row[2]);
        y = page.paragraph(LEFT_MM + 76.0, y, RIGHT_MM - LEFT_MM - 76.0, 8.5, 4.5, &row[3]) + 6.0;
    }
    Ok(y)
}

/// What the reconciliation covered (`covered_table`), one line a row, from `y` down. Returns
/// where the pen stopped.
fn draw_covered(pages: &mut Vec<Page>, page: &mut Page, s: &Statement, mut y: f32) -> Result<f32> {
    let covered = covered_table(s);
    y += 4.0;
    page.text(LEFT_MM, y, 10.5, At::Left, &format!("对账明细（{} 笔）", covered.rows.len()));
    y += 7.0;
    for row in &covered.rows {
        if y > 270.0 {
            pages.push(std::mem::replace(page, Page::new(Paper::A4)?));
            page.text(105.0, 15.0, 10.0, At::Center, &format!("补贴资金对账单 #{} 对账明细（续）", s.reconciliation.id));
            y = 25.0;
        }
        page.text(LEFT_MM + 2.0, y, 9.0, At::Left, &row[0]);
        page.text(LEFT_MM + 16.0, y, 9.0, At::Left, &row[1]);
        page.text(LEFT_MM + 72.0, y, 9.0, At::Right, &row[2]);
        page.text(LEFT_MM + 76.0, y, 9.0, At::Left, &row[3]);
        y += 5.0;
    }
    Ok(y)
}
