//! Households (住户): imported from the office's CSV or XLSX file, every bad row reported.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};

use crate::domain::area::AreaM2Hundredths;
use crate::domain::ids::{CommunityId, HouseholdId};
use crate::domain::limits::{check_text, MAX_NAME_CHARS, MAX_PHONE_CHARS, MAX_PLACE_CHARS};
use crate::fees::store::FeesStore;

use crate::error::{Error, Result};
use crate::fees::rows::{HouseholdRow, NewHousehold};
use crate::fees::rules::HouseholdKind;
use crate::fees::store::FeesTx;
use crate::fees::{household_label, Fees, HouseholdImport};
use crate::import::{TextRow, TextTable};
use crate::store::Tx;

/// The columns of a household file, by position.
struct Columns {
    building: usize,
    unit: Option<usize>,
    room: usize,
    area: usize,
    kind: usize,
    owner: usize,
    phone: Option<usize>,
    move_in: Option<usize>,
}

impl Columns {
    fn find(table: &TextTable) -> Result<Columns> {
        let col = |names: &[&str], label: &str| table.column(names).ok_or_else(|| Error::csv(1, label, "缺少此列"));
        Ok(Columns {
            building: col(&["楼栋", "building"], "楼栋")?,
            unit: table.column(&["单元", "unit"]),
            room: col(&["房号", "room"], "房号")?,
            area: col(&["建筑面积", "面积", "area_m2"], "建筑面积")?,
            kind: col(&["类型", "kind"], "类型")?,
            owner: col(&["业主", "owner_name"], "业主")?,
            phone: table.column(&["电话", "phone"]),
            move_in: table.column(&["入住日期", "move_in_date"]),
        })
    }
}

/// Parses a household file: every bad row is reported (row number and reason), or none is
/// imported.
pub fn parse_households(bytes: &[u8]) -> Result<Vec<NewHousehold>> {
    let table = TextTable::read(bytes)?;
    let columns = Columns::find(&table)?;
    let mut problems = Vec::new();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let mut out = Vec::new();
    for r in &table.rows {
        let row = r.number;
        let key = (r.cell(Some(columns.building)).to_string(), r.cell(columns.unit).to_string(), r.cell(Some(columns.room)).to_string());
        if !key.0.is_empty() && !key.2.is_empty() {
            if let Some(first) = seen.insert(key.clone(), row) {
                problems.push(format!("第 {row} 行“房号”列：{}-{}-{} 与第 {first} 行重复", key.0, key.1, key.2));
                continue;
            }
        }
        match parse_row(&columns, r) {
            Ok(h) => out.push(h),
            Err((column, reason)) => problems.push(format!("第 {row} 行“{column}”列：{reason}")),
        }
    }
    if !problems.is_empty() {
        return Err(Error::invalid(format!("住户文件有 {} 行错误，未导入任何一行", problems.len()), format!("\n{}", problems.join("\n"))));
    }
    Ok(out)
}

/// One row of a household file, or the column and reason it was refused.
fn parse_row(c: &Columns, r: &TextRow) -> std::result::Result<NewHousehold, (&'static str, String)> {
    let cell = |i: Option<usize>| r.cell(i);
    let (building, unit, room) = (cell(Some(c.building)), cell(c.unit), cell(Some(c.room)));
    if building.is_empty() || room.is_empty() {
        return Err(("楼栋/房号", "不能为空".into()));
    }
    let area_m2_hundredths = AreaM2Hundredths::parse(cell(Some(c.area))).map_err(|reason| ("建筑面积", reason))?;
    let kind_text = cell(Some(c.kind));
    let kind = HouseholdKind::parse(kind_text).ok_or_else(|| ("类型", format!("“{kind_text}”不是住宅、商铺、车库或车位")))?;
    if kind == HouseholdKind::Storage {
        return Err(("类型", "储藏室请登记为所属住户的附属单元（mingzhang unit add）".into()));
    }
    let move_in_date = match cell(c.move_in) {
        "" => None,
        t => Some(
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(t, "%Y/%m/%d"))
                .map_err(|_| ("入住日期", format!("“{t}”不是日期（2025-03-21）")))?,
        ),
    };
    let owner_name = cell(Some(c.owner)).to_string();
    if owner_name.is_empty() {
        return Err(("业主", "不能为空".into()));
    }
    let phone = cell(c.phone);
    for (column, text, max) in [
        ("楼栋", building, MAX_PLACE_CHARS),
        ("单元", unit, MAX_PLACE_CHARS),
        ("房号", room, MAX_PLACE_CHARS),
        ("业主", owner_name.as_str(), MAX_NAME_CHARS),
        ("电话", phone, MAX_PHONE_CHARS),
    ] {
        check_text(text, max).map_err(|reason| (column, reason))?;
    }
    Ok(NewHousehold {
        building: building.to_string(),
        unit: unit.to_string(),
        room: room.to_string(),
        area_m2_hundredths,
        kind,
        owner_name,
        phone: phone.to_string(),
        move_in_date,
    })
}

impl<S: FeesStore> Fees<S> {
    /// Imports households (住户): new rows are added, changed rows updated with their previous
    /// version kept, identical rows left alone. A file with any bad row writes nothing.
    pub async fn import_households(&self, community_id: CommunityId, bytes: &[u8]) -> Result<HouseholdImport> {
        let rows = parse_households(bytes)?;
        let mut tx = self.store().begin().await?;
        let existing: HashMap<(String, String, String), HouseholdRow> =
            tx.households(community_id).await?.into_iter().map(|h| ((h.building.clone(), h.unit.clone(), h.room.clone()), h)).collect();
        let now = Utc::now();
        let mut result = HouseholdImport::default();
        for h in &rows {
            match existing.get(&(h.building.clone(), h.unit.clone(), h.room.clone())) {
                None => {
                    tx.insert_household(community_id, h, now).await?;
                    result.added += 1;
                }
                Some(old) if old.same_as(h) => result.unchanged += 1,
                Some(old) => {
                    tx.update_household(community_id, old, h, now).await?;
                    result.changed += 1;
                }
            }
        }
        crate::fees::seal::master::record(&mut tx, community_id, &[crate::fees::seal::master::MasterKind::Household]).await?;
        tx.commit().await?;
        Ok(result)
    }

    pub async fn households(&self, community_id: CommunityId) -> Result<Vec<HouseholdRow>> {
        self.store().read().await?.households(community_id).await
    }

    /// Household `id` of the community, if there is one.
    pub async fn household(&self, community_id: CommunityId, id: HouseholdId) -> Result<Option<HouseholdRow>> {
        self.store().read().await?.household(community_id, id).await
    }

    /// Finds a household by its label as printed ("1-2-301", "商业街-S018"); the older form
    /// with an empty unit ("商业街--S018") is still found.
    pub async fn household_by_label(&self, community_id: CommunityId, label: &str) -> Result<HouseholdRow> {
        let typed = label.trim();
        self.households(community_id)
            .await?
            .into_iter()
            .find(|h| household_label(h) == typed || format!("{}-{}-{}", h.building, h.unit, h.room) == typed)
            .ok_or_else(|| Error::not_found(format!("住户 {label}（格式：楼栋-单元-房号，无单元时 楼栋-房号）")))
    }
}
