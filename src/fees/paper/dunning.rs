//! 催缴通知单: one A4 page per household in arrears, all in one PDF for the chosen set.

use chrono::NaiveDate;

use crate::domain::capital::capital_amount;
use crate::domain::money::Fen;
use crate::error::Result;
use crate::fees::paper::CodeLine;
use crate::fees::reports::HouseholdStatement;
use crate::render::pdf::{date_text, money_text, months_text, render, Align, Meta, Page, Paper, END_KEEP, KEEP};

const LEFT_MM: f32 = 22.0;
const RIGHT_MM: f32 = 188.0;
const ROW_MM: f32 = 8.0;
/// Item rows on a page; a household owing for more items than this has the rest summed.
const MAX_ROWS: usize = 16;

/// The statements that get a notice: the household owes more than its prepayment.
pub fn owing(statements: &[HouseholdStatement]) -> impl Iterator<Item = &HouseholdStatement> {
    statements.iter().filter(|s| s.open.0 > s.prepaid.0)
}

/// The notices' shared wording: who sends them and by when to pay.
pub struct Notice<'a> {
    /// The company, as it signs the notice.
    pub company: &'a str,
    /// The date the arrears are counted to (the statements' date).
    pub as_of: NaiveDate,
    /// The date to pay by.
    pub pay_by: NaiveDate,
    /// Where to pay or ask, e.g. "物业服务中心（1号楼底商），电话 0000-0000000".
    pub contact: &'a str,
}

struct Row {
    item: String,
    months: String,
    open_fen: i64,
    late_fen: i64,
}

/// Open bills grouped by fee item, oldest months first.
fn rows(s: &HouseholdStatement) -> Vec<Row> {
    let mut rows: Vec<(Row, Vec<String>)> = Vec::new();
    for b in s.bills.iter().filter(|b| b.open.0 > 0) {
        let item = b.label();
        let at = match rows.iter().position(|(r, _)| r.item == item) {
            Some(i) => i,
            None => {
                rows.push((Row { item, months: String::new(), open_fen: 0, late_fen: 0 }, Vec::new()));
                rows.len() - 1
            }
        };
        let (row, months) = &mut rows[at];
        row.open_fen += b.open.0;
        row.late_fen += b.late_fee.0;
        months.push(b.period.clone());
    }
    let mut out: Vec<Row> = rows
        .into_iter()
        .map(|(mut row, mut months)| {
            row.months = months_text(&mut months);
            row
        })
        .collect();
    if out.len() > MAX_ROWS {
        let rest = out.split_off(MAX_ROWS - 1);
        out.push(Row {
            item: format!("其余 {} 项", rest.len()),
            months: String::new(),
            open_fen: rest.iter().map(|r| r.open_fen).sum(),
            late_fen: rest.iter().map(|r| r.late_fen).sum(),
        });
    }
    out
}

/// The fees a notice is about, in the fee items' own words: "车位停车费", "物业服务费、水费", or
/// "物业服务费等费用" for three and more.
fn owed_items(s: &HouseholdStatement) -> String {
    let mut names: Vec<&str> = Vec::new();
    for b in s.bills.iter().filter(|b| b.open.0 > 0) {
        if !names.contains(&b.fee_item.as_str()) {
            names.push(&b.fee_item);
        }
    }
    match names.as_slice() {
        [] => "物业服务费用".to_string(),
        [one] => one.to_string(),
        [a, b] => format!("{a}、{b}"),
        [first, ..] => format!("{first}等费用"),
    }
}

/// Text a line of the notice does not break inside.
fn kept(text: &str) -> String {
    format!("{KEEP}{text}{END_KEEP}")
}

fn draw(page: &mut Page, notice: &Notice<'_>, s: &HouseholdStatement, number: usize, code: CodeLine<'_>) -> Result<()> {
    let mid = (LEFT_MM + RIGHT_MM) / 2.0;
    let fees = owed_items(s);
    page.text(mid, 30.0, 20.0, Align::Center, &format!("{fees}催缴通知单"));
    // The office's reference, not a count the resident would puzzle over.
    page.text(RIGHT_MM, 40.0, 9.0, Align::Right, &format!("通知编号：{}-{number:04}", notice.as_of.format("%Y%m%d")));
    let owner = if s.owner_name.is_empty() { "业主".to_string() } else { s.owner_name.clone() };
    page.text(LEFT_MM, 52.0, 12.0, Align::Left, &format!("尊敬的 {owner}（{}）：", s.household));
    let owed = Owed::of(s);
    let end = page.paragraph(LEFT_MM, 62.0, RIGHT_MM - LEFT_MM, 12.0, 7.5, &body(notice, &fees, &owed));
    let bottom = draw_table(page, s, &owed, end + 8.0);
    let foot = bottom + 14.0;
    page.text(LEFT_MM, foot, 11.0, Align::Left, "感谢您对物业服务工作的理解和支持！");
    page.text(RIGHT_MM, foot + 16.0, 12.0, Align::Right, notice.company);
    page.text(RIGHT_MM, foot + 24.0, 12.0, Align::Right, &date_text(notice.as_of));
    page.qr(LEFT_MM, foot + 8.0, 22.0, &format!("明账催缴|{}|{}|{}|{}", s.book, s.household, notice.as_of, money_text(owed.owed_fen)))?;
    page.text(LEFT_MM + 25.0, foot + 20.0, 8.0, Align::Left, "扫码核对本通知");
    if let Some(line) = code.text() {
        page.text(LEFT_MM, foot + 36.0, 9.0, Align::Left, &line);
    }
    Ok(())
}

/// What a notice asks for. What is owed is the open bills less any prepayment; 滞纳金 is
/// reckoned, not billed, so the notice states it beside the total rather than inside it.
struct Owed {
    late_fees_fen: i64,
    prepaid_used_fen: i64,
    owed_fen: i64,
}

impl Owed {
    fn of(s: &HouseholdStatement) -> Owed {
        let prepaid_used_fen = s.prepaid.0.min(s.open.0);
        Owed { late_fees_fen: s.late_fees.0, prepaid_used_fen, owed_fen: s.open.0 - prepaid_used_fen }
    }
}

/// The notice's paragraph: what is owed to when, by when and where to pay it.
fn body(notice: &Notice<'_>, fees: &str, owed: &Owed) -> String {
    let late_words = if owed.late_fees_fen > 0 {
        format!("按收费约定，截至该日另计滞纳金 ￥{}（见下表）。", money_text(owed.late_fees_fen))
    } else {
        String::new()
    };
    format!(
        "　　截至{}，您户尚有下列{fees}未缴纳，合计人民币{}（￥{}）。{late_words}请于{}前缴清，可到{}缴纳，或通过微信、支付宝缴纳。如您已缴纳，请不必理会本通知，并请核对收据。",
        kept(&date_text(notice.as_of)),
        kept(&capital_amount(Fen(owed.owed_fen))),
        money_text(owed.owed_fen),
        kept(&date_text(notice.pay_by)),
        notice.contact,
    )
}

/// The table of what is owed by item from `top` (mm), the prepayment taken off and the total.
/// Returns where it ends.
fn draw_table(page: &mut Page, s: &HouseholdStatement, owed: &Owed, top: f32) -> f32 {
    let rows = rows(s);
    // Without late fees the column would only print 0.00s: the amounts take the right edge.
    let with_late = owed.late_fees_fen > 0;
    let (months_x, open_x, late_x) =
        if with_late { (LEFT_MM + 42.0, RIGHT_MM - 62.0, RIGHT_MM - 30.0) } else { (LEFT_MM + 42.0, RIGHT_MM - 32.0, RIGHT_MM) };
    page.rect(LEFT_MM, top, RIGHT_MM - LEFT_MM, ROW_MM, Some(0.9));
    let base = |row: usize| top + ROW_MM * row as f32 + 5.6;
    page.text(LEFT_MM + 2.0, base(0), 11.0, Align::Left, "收费项目");
    page.text(months_x + 2.0, base(0), 11.0, Align::Left, "欠费月份");
    page.text(late_x - 2.0, base(0), 11.0, Align::Right, "欠费（元）");
    if with_late {
        page.text(RIGHT_MM - 2.0, base(0), 11.0, Align::Right, "滞纳金（元）");
    }
    for (i, row) in rows.iter().enumerate() {
        page.text(LEFT_MM + 2.0, base(i + 1), 11.0, Align::Left, &row.item);
        page.text(months_x + 2.0, base(i + 1), 10.0, Align::Left, &row.months);
        page.text(late_x - 2.0, base(i + 1), 11.0, Align::Right, &money_text(row.open_fen));
        if with_late {
            page.text(RIGHT_MM - 2.0, base(i + 1), 11.0, Align::Right, &money_text(row.late_fen));
        }
    }
    let mut last = rows.len() + 1;
    if s.prepaid.0 > 0 {
        page.text(LEFT_MM + 2.0, base(last), 11.0, Align::Left, "减：预收款余额");
        page.text(late_x - 2.0, base(last), 11.0, Align::Right, &format!("-{}", money_text(owed.prepaid_used_fen)));
        last += 1;
    }
    page.text(LEFT_MM + 2.0, base(last), 11.0, Align::Left, "合计");
    page.text(late_x - 2.0, base(last), 11.0, Align::Right, &money_text(owed.owed_fen));
    if with_late {
        page.text(RIGHT_MM - 2.0, base(last), 11.0, Align::Right, &money_text(owed.late_fees_fen));
    }
    let bottom = top + ROW_MM * (last + 1) as f32;
    page.rect(LEFT_MM, top, RIGHT_MM - LEFT_MM, bottom - top, None);
    for row in 1..=last {
        let y = top + ROW_MM * row as f32;
        page.line((LEFT_MM, y), (RIGHT_MM, y), 0.3);
    }
    for x in [months_x, open_x, late_x].into_iter().filter(|x| *x < RIGHT_MM) {
        page.line((x, top), (x, bottom), 0.3);
    }
    bottom
}

/// The notices for the given statements (households with nothing owed are skipped), one page
/// each, as one PDF. Returns the PDF and the number of notices in it.
/// The households that owe more than their prepayment, one notice each, with what `code` says
/// of each one's access code.
pub fn dunning_pdf<'a>(
    notice: &Notice<'_>,
    statements: &[HouseholdStatement],
    code: impl Fn(&HouseholdStatement) -> CodeLine<'a>,
) -> Result<(Vec<u8>, usize)> {
    let owing: Vec<&HouseholdStatement> = owing(statements).collect();
    let mut pages = Vec::with_capacity(owing.len());
    for (i, s) in owing.iter().enumerate() {
        let mut page = Page::new(Paper::A4)?;
        draw(&mut page, notice, s, i + 1, code(s))?;
        pages.push(page);
    }
    let meta = Meta { title: "催缴通知单", author: notice.company, subject: "催缴通知单", date: notice.as_of };
    Ok((render(&meta, pages)?, owing.len()))
}
