//! Fuzzing of what people type and upload (issue 10), with proptest's generators: the number,
//! amount, area and date readers, the CSV/XLSX household reader and the opening-balance import
//! never panic on any input; what they accept reads back the same; and a file they refuse
//! writes nothing.

use crate::common;

use common::*;
use mingzhang::domain::area::AreaM2Hundredths;
use mingzhang::domain::money::Fen;
use mingzhang::domain::number::parse_decimal;
use proptest::prelude::*;

/// Text like what is typed into a number field, and anything else.
fn numberish() -> impl Strategy<Value = String> {
    prop_oneof!["[-+]?[0-9,，.]{0,24}", "[0-9]{1,12}(\\.[0-9]{0,4})?", "[-0-9.eE１２３４５６７８９０。 ]{0,16}", any::<String>(),]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn numbers_amounts_and_areas_never_panic_and_read_back_as_written(text in numberish()) {
        if let Ok(value) = parse_decimal(&text) {
            prop_assert_eq!(parse_decimal(&value.to_string()), Ok(value));
        }
        if let Ok(fen) = Fen::parse(&text) {
            prop_assert!(fen.within_limit());
            prop_assert_eq!(Fen::parse(&fen.to_string()), Ok(fen));
        }
        if let Ok(area) = AreaM2Hundredths::parse(&text) {
            prop_assert!(area.0 > 0);
            prop_assert_eq!(AreaM2Hundredths::parse(&area.to_string()), Ok(area));
        }
    }

    #[test]
    fn household_files_of_any_bytes_never_panic(bytes in prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        // A ZIP's magic: the XLSX path (calamine) on garbage.
        proptest::collection::vec(any::<u8>(), 0..600).prop_map(|b| [b"PK\x03\x04".to_vec(), b].concat()),
        // CSV-shaped text with random cells.
        proptest::collection::vec("[^\n]{0,12}(,[^\n]{0,12}){0,8}", 0..6)
            .prop_map(|rows| format!("楼栋,单元,房号,建筑面积,类型,业主,电话\n{}", rows.join("\n")).into_bytes()),
    ]) {
        let _ = mingzhang::fees::parse_households(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Every refused household file and opening import leaves the database as it was.
    #[test]
    fn a_refused_file_writes_nothing(rows in proptest::collection::vec("[0-9a-z一二,.\\- ]{0,30}", 1..6)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let db = fresh_db().await;
            let store = mingzhang::store::AnyStore::connect(&db.url).await.unwrap();
            { let s = store;
                let ledger = mingzhang::ledger::Ledger::new(s.clone());
                let book = company_book(&ledger).await;
                let c = ledger.community(None).await.unwrap();
                let before = snapshot(&db.url).await;
                let households = format!("楼栋,单元,房号,建筑面积,类型,业主,电话\n{}\n", rows.join("\n"));
                if ledger.fees().import_households(c.id, households.as_bytes()).await.is_err() {
                    assert_eq!(snapshot(&db.url).await, before, "a refused household file wrote something");
                }
                let before = snapshot(&db.url).await;
                let opening = format!("科目编码,借方余额,贷方余额\n{}\n", rows.join("\n"));
                if ledger.import_opening(&book, &opening).await.is_err() {
                    assert_eq!(snapshot(&db.url).await, before, "a refused opening import wrote something");
                }
                mingzhang::store::Store::close(&s).await;
             };
        });
    }
}
