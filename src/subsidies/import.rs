//! The finance office's disbursement list (拨付清单), CSV or XLSX, read into disbursements:
//! columns 日期, 文号 (or 项目), 金额, 收款单位, 凭证号 (optional). Every bad row is named with
//! its column; nothing is kept unless every row reads.

use chrono::NaiveDate;

use super::DisbursementInput;
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::import::{TextRow, TextTable};

struct Columns {
    date: usize,
    program: usize,
    amount: usize,
    payee: usize,
    reference: Option<usize>,
}

impl Columns {
    fn find(table: &TextTable) -> Result<Columns> {
        let need = |names: &[&str]| {
            table.column(names).ok_or_else(|| {
                Error::csv(
                    1,
                    names[0],
                    format!("缺少此列（表头须有：日期、文号、金额、收款单位，可选 凭证号；现有：{}）", table.headers.join("、")),
                )
            })
        };
        Ok(Columns {
            date: need(&["日期", "拨付日期", "date"])?,
            program: need(&["文号", "项目", "项目文号", "program"])?,
            amount: need(&["金额", "拨付金额", "amount"])?,
            payee: need(&["收款单位", "收款人", "payee"])?,
            reference: table.column(&["凭证号", "支付凭证号", "reference"]),
        })
    }
}

pub fn parse_disbursements(bytes: &[u8]) -> Result<Vec<DisbursementInput>> {
    let table = TextTable::read(bytes)?;
    let columns = Columns::find(&table)?;
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for r in &table.rows {
        match parse_row(&columns, r) {
            Ok(d) => out.push(d),
            Err((column, reason)) => problems.push(format!("第 {} 行“{column}”列：{reason}", r.number)),
        }
    }
    if !problems.is_empty() {
        return Err(Error::invalid(format!("拨付清单有 {} 行错误，未登记任何一行", problems.len()), format!("\n{}", problems.join("\n"))));
    }
    if out.is_empty() {
        return Err(Error::invalid("拨付清单", "没有数据行"));
    }
    Ok(out)
}

fn parse_row(c: &Columns, r: &TextRow) -> std::result::Result<DisbursementInput, (&'static str, String)> {
    let date_text = r.cell(Some(c.date));
    let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(date_text, "%Y/%m/%d"))
        .map_err(|_| ("日期", format!("“{date_text}”不是日期，应写作 2025-01-31")))?;
    let program = r.cell(Some(c.program));
    if program.is_empty() {
        return Err(("文号", "不能为空".into()));
    }
    let amount_text = r.cell(Some(c.amount));
    let amount = Fen::parse(amount_text).map_err(|e| ("金额", format!("“{amount_text}”：{e}")))?;
    Ok(DisbursementInput {
        row: r.number,
        program: program.to_string(),
        date,
        amount,
        payee: r.cell(Some(c.payee)).to_string(),
        reference: r.cell(c.reference).to_string(),
    })
}
