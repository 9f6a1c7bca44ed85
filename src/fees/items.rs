//! Fee items (收费项目), their dated standards (收费标准) and meter readings (抄表).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::ids::{FeeItemId, FeeStandardId, HouseholdId};
use crate::domain::limits::{check_text, MAX_CODE_CHARS, MAX_METER_READING, MAX_NAME_CHARS, MAX_RATE_YUAN};
use crate::domain::number::parse_decimal;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::rows::MeterChange;
use crate::fees::rows::{FeeItemRow, FeeStandardRow, MeterReadingRow, StandardFor};
use crate::fees::rules::{FeeBasis, HouseholdKind};
use crate::fees::store::FeesStore;
use crate::fees::store::{BillingRunsTx, FeesTx, UnitsTx};
use crate::fees::{account_id, fee_accounts, fee_item_by_code, FeeItemSpec, Fees};
use crate::ledger::Book;
use crate::store::Tx;

impl<S: FeesStore> Fees<S> {
    pub async fn add_fee_item(&self, book: &Book, spec: &FeeItemSpec<'_>) -> Result<FeeItemId> {
        fee_accounts(book)?;
        let account = crate::ledger::account::AccountCode::parse(spec.revenue_account)
            .and_then(|c| book.chart.get(&c))
            .ok_or_else(|| Error::invalid("收入科目", format!("科目 {} 不存在", spec.revenue_account)))?;
        if !account.is_leaf {
            return Err(Error::invalid("收入科目", format!("{} {} 不是末级科目", account.code, account.name)));
        }
        if spec.code.trim().is_empty() || spec.name.trim().is_empty() {
            return Err(Error::invalid("收费项目", "编码和名称不能为空"));
        }
        check_text(spec.code.trim(), MAX_CODE_CHARS).map_err(|reason| Error::invalid("收费项目编码", reason))?;
        check_text(spec.name.trim(), MAX_NAME_CHARS).map_err(|reason| Error::invalid("收费项目名称", reason))?;
        if !(0..=10_000).contains(&spec.late_fee_ppm_per_day) || !(0..=100).contains(&spec.late_fee_cap_percent) {
            return Err(Error::invalid("滞纳金", "日费率须在 0 至 10000（百万分之一）之间，上限在 0 至 100% 之间"));
        }
        let mut tx = self.store().begin().await?;
        if tx.fee_items(book.key()).await?.iter().any(|f| f.code == spec.code) {
            return Err(Error::Conflict(format!("收费项目 {} 已存在", spec.code)));
        }
        let row = FeeItemRow {
            id: FeeItemId(0),
            code: spec.code.trim().to_string(),
            name: spec.name.trim().to_string(),
            basis: spec.basis,
            revenue_account_id: account_id(book, &account.code)?,
            late_fee_ppm_per_day: spec.late_fee_ppm_per_day,
            late_fee_cap_percent: spec.late_fee_cap_percent,
            vat_rate: None,
        };
        let id = tx.insert_fee_item(book.key(), &row).await?;
        crate::fees::seal::master::record(&mut tx, book.row.community_id, &[crate::fees::seal::master::MasterKind::FeeItem]).await?;
        tx.commit().await?;
        Ok(id)
    }
    /// 收费标准: a rate for a kind of household or unit from a date (until another date,
    /// end-exclusive). Ranges of one item and kind may not overlap; past bills are never
    /// rewritten.
    pub async fn add_fee_standard(
        &self,
        book: &Book,
        item_code: &str,
        kind: HouseholdKind,
        rate_text: &str,
        from: NaiveDate,
        until: Option<NaiveDate>,
    ) -> Result<i64> {
        self.add_standard(book, item_code, StandardFor::Kind(kind), rate_text, from, until).await
    }

    /// 一位一价: one unit's own rate (a parking space let at its own price), which comes
    /// before its kind's standard; dated like any standard.
    pub async fn add_unit_standard(
        &self,
        book: &Book,
        item_code: &str,
        unit_code: &str,
        rate_text: &str,
        from: NaiveDate,
        until: Option<NaiveDate>,
    ) -> Result<i64> {
        self.add_standard(book, item_code, StandardFor::Unit(unit_code.trim().to_string()), rate_text, from, until).await
    }

    /// A standard for a kind or for one unit (`StandardFor`).
    pub async fn add_standard(
        &self,
        book: &Book,
        item_code: &str,
        target: StandardFor,
        rate_text: &str,
        from: NaiveDate,
        until: Option<NaiveDate>,
    ) -> Result<i64> {
        let rate = parse_rate(rate_text)?;
        if until.is_some_and(|u| u <= from) {
            return Err(Error::invalid("有效期", "结束日期须晚于开始日期"));
        }
        let mut tx = self.store().begin().await?;
        let item = fee_item_by_code(&mut tx, book, item_code).await?;
        if let StandardFor::Unit(code) = &target {
            if !tx.units(book.row.community_id).await?.iter().any(|u| &u.code == code) {
                return Err(Error::not_found(format!("单元 {code}（先用 unit add 登记）")));
            }
            if item.basis == FeeBasis::Metered {
                return Err(Error::invalid("收费项目", format!("{} 按用量计费，附属单元不抄表，不能设单元单价", item.name)));
            }
        }
        let same: Vec<FeeStandardRow> =
            tx.fee_standards(book.key()).await?.into_iter().filter(|s| s.fee_item_id == item.id && s.is_for(&target)).collect();
        // 调价: a new rate from a later date ends the standard in force, open-ended until now, the
        // day before it starts, unless a month from that date on was billed at the old rate.
        if let Some(current) = same.iter().find(|s| s.valid_until.is_none() && s.valid_from < from) {
            let first_new_month = first_month_billed_on_or_after(from);
            if tx.bills_of_standard_from(book.key(), item.id, &target, first_new_month).await? > 0 {
                return Err(Error::invalid(
                    "有效期",
                    format!("{first_new_month} 起的{}已按现行标准 {} 元计费，调价日期须在已计费的月份之后", item.name, current.rate_yuan),
                ));
            }
            tx.end_fee_standard(book.row.community_id, current.id, from).await?;
        }
        refuse_overlap(&same, from, until)?;
        let row = FeeStandardRow {
            id: FeeStandardId(0),
            fee_item_id: item.id,
            household_kind: if let StandardFor::Kind(kind) = target { Some(kind) } else { None },
            unit_code: if let StandardFor::Unit(code) = target { Some(code) } else { None },
            rate_yuan: rate.normalize().to_string(),
            valid_from: from,
            valid_until: until,
        };
        let id = tx.insert_fee_standard(book.row.community_id, &row).await?;
        crate::fees::seal::master::record(&mut tx, book.row.community_id, &[crate::fees::seal::master::MasterKind::FeeStandard]).await?;
        tx.commit().await?;
        Ok(id)
    }
    /// The book's fee standards with their items' names, item by item, oldest first.
    pub async fn fee_standards(&self, book: &Book) -> Result<Vec<(FeeItemRow, FeeStandardRow)>> {
        let mut tx = self.store().read().await?;
        let items = tx.fee_items(book.key()).await?;
        let mut out: Vec<(FeeItemRow, FeeStandardRow)> = tx
            .fee_standards(book.key())
            .await?
            .into_iter()
            .filter_map(|s| items.iter().find(|f| f.id == s.fee_item_id).map(|f| (f.clone(), s)))
            .collect();
        out.sort_by_cached_key(|(item, s)| (item.code.clone(), s.unit_code.is_some(), s.target_label(), s.valid_from));
        Ok(out)
    }

    /// Meter readings of one month for a metered item. A reading lower than the meter's last is
    /// refused unless marked as a meter replacement. A reading entered again corrects the
    /// earlier one until the month is billed; after that the bill must be reversed first.
    pub async fn record_meter_readings(
        &self,
        book: &Book,
        item_code: &str,
        period: Period,
        readings: &[MeterReadingInput],
    ) -> Result<usize> {
        let mut tx = self.store().begin().await?;
        let item = fee_item_by_code(&mut tx, book, item_code).await?;
        if item.basis != FeeBasis::Metered {
            return Err(Error::invalid("收费项目", format!("{} 不按用量计费", item.name)));
        }
        let mut previous: HashMap<HouseholdId, Decimal> = HashMap::new();
        for r in tx.meter_readings(book.key(), period).await?.into_iter().filter(|r| r.fee_item_id == item.id && r.period < period) {
            previous.insert(r.household_id, r.value()?);
        }
        let billed: HashSet<HouseholdId> = tx
            .bill_keys(book.key(), period)
            .await?
            .into_iter()
            .filter(|k| k.fee_item_id == item.id && k.live > 0)
            .map(|k| k.household_id)
            .collect();
        let mut seen: HashSet<HouseholdId> = HashSet::new();
        let mut rows = Vec::new();
        for r in readings {
            let row = r.row;
            if !seen.insert(r.household_id) {
                return Err(Error::csv(row, "房号", "同一住户在本批读数中出现两次"));
            }
            if billed.contains(&r.household_id) {
                return Err(Error::csv(
                    row,
                    "读数",
                    format!("{period} 的{}已按此读数计费；要更正读数，先冲销该月的计费（unbill）", item.name),
                ));
            }
            let reading = parse_reading(row, "读数", &r.reading)?;
            let change = match &r.change {
                None => None,
                Some(c) => Some(MeterChange {
                    old_final: c.old_final.as_deref().map(|t| parse_reading(row, "旧表止数", t)).transpose()?,
                    new_start: c.new_start.as_deref().map(|t| parse_reading(row, "新表起数", t)).transpose()?.unwrap_or(Decimal::ZERO),
                }),
            };
            let last = previous.get(&r.household_id).copied();
            check_reading(row, last, reading, change)?;
            rows.push(MeterReadingRow {
                household_id: r.household_id,
                fee_item_id: item.id,
                period,
                reading: reading.to_string(),
                is_replacement: change.is_some(),
                old_meter_final: change.and_then(|c| c.old_final).map(|d| d.to_string()),
                new_meter_start: change.map(|c| c.new_start.to_string()),
            });
        }
        tx.insert_meter_readings(book.row.community_id, &rows).await?;
        crate::fees::seal::master::record(&mut tx, book.row.community_id, &[crate::fees::seal::master::MasterKind::MeterReading]).await?;
        tx.commit().await?;
        Ok(rows.len())
    }
}

/// A meter reading as entered (抄表), with the row it came from for messages.
#[derive(Debug, Clone)]
pub struct MeterReadingInput {
    pub row: usize,
    pub household_id: HouseholdId,
    pub reading: String,
    /// Set when the meter was replaced this month (换表).
    pub change: Option<MeterChangeInput>,
}

/// 旧表止数 and 新表起数 as typed; either may be left out.
#[derive(Debug, Clone, Default)]
pub struct MeterChangeInput {
    pub old_final: Option<String>,
    pub new_start: Option<String>,
}

impl MeterReadingInput {
    pub fn new(row: usize, household_id: HouseholdId, reading: impl Into<String>) -> MeterReadingInput {
        MeterReadingInput { row, household_id, reading: reading.into(), change: None }
    }
}

fn parse_reading(row: usize, column: &str, text: &str) -> Result<Decimal> {
    let value = parse_decimal(text).map_err(|e| Error::csv(row, column, format!("“{text}”{e}")))?;
    if value < Decimal::ZERO {
        return Err(Error::csv(row, column, "不能为负数"));
    }
    if value > Decimal::from(MAX_METER_READING) || value.normalize().scale() > 4 {
        return Err(Error::csv(row, column, format!("“{text}”须在 0 至 {MAX_METER_READING} 之间，最多四位小数")));
    }
    Ok(value)
}

/// Refuses a reading the month's bill could not be measured from, naming what is wrong. A
/// meter with no earlier reading is accepted: its first reading is where the next month's use
/// is measured from (a billing run holds such a bill back and says so).
fn check_reading(row: usize, previous: Option<Decimal>, reading: Decimal, change: Option<MeterChange>) -> Result<()> {
    match change {
        None => match previous {
            Some(last) if reading < last => Err(Error::csv(row, "读数", format!("{reading} 低于上次读数 {last}；如已换表请标明“换表”"))),
            _ => Ok(()),
        },
        Some(c) => {
            if reading < c.new_start {
                return Err(Error::csv(row, "读数", format!("{reading} 低于新表起数 {}", c.new_start)));
            }
            match (c.old_final, previous) {
                (Some(old), Some(last)) if old < last => Err(Error::csv(row, "旧表止数", format!("{old} 低于上次读数 {last}"))),
                (Some(_), None) => Err(Error::csv(row, "旧表止数", "该表没有上次读数，无法计算旧表用量；请去掉旧表止数")),
                _ => Ok(()),
            }
        }
    }
}

/// The first month billed on or after `date`: a month is billed on its first day.
fn first_month_billed_on_or_after(date: NaiveDate) -> Period {
    let month = Period::of_date(date);
    if month.first_day() == date {
        month
    } else {
        month.next()
    }
}

/// A standard's rate in 元 (pure): above zero, at most four decimals, within the limit.
fn parse_rate(rate_text: &str) -> Result<Decimal> {
    let rate = parse_decimal(rate_text).map_err(|e| Error::invalid("单价", format!("“{rate_text}”{e}")))?;
    if rate <= Decimal::ZERO || rate.normalize().scale() > 4 {
        return Err(Error::invalid("单价", format!("“{rate_text}”须大于零，最多四位小数")));
    }
    if rate > Decimal::from(MAX_RATE_YUAN) {
        return Err(Error::invalid("单价", format!("“{rate_text}”超过上限 {MAX_RATE_YUAN} 元")));
    }
    Ok(rate)
}

/// Refuses a new standard from `from` until `until` that overlaps one of the `same` item and
/// target (pure), the one ended by the new rate (调价) counted as ending at `from`.
fn refuse_overlap(same: &[FeeStandardRow], from: NaiveDate, until: Option<NaiveDate>) -> Result<()> {
    let far = NaiveDate::MAX;
    // Each standard's end as it now stands: the one just ended ends at `from`.
    let ended = |s: &FeeStandardRow| if s.valid_until.is_none() && s.valid_from < from { Some(from) } else { s.valid_until };
    for s in same {
        let valid_until = ended(s);
        if from < valid_until.unwrap_or(far) && s.valid_from < until.unwrap_or(far) {
            let until_text = valid_until.map_or("长期".to_string(), |d| d.to_string());
            return Err(Error::invalid(
                "有效期",
                format!(
                    "与{}的现行标准（{} 起至 {until_text}，{} 元）重叠；请先为旧标准设定结束日期",
                    s.target_label(),
                    s.valid_from,
                    s.rate_yuan
                ),
            ));
        }
    }
    Ok(())
}
