//! The application's own place, below both of its doors (the web server in `http` and the
//! command line in `cli`) and above the wings: the store that carries every wing's
//! statements. Both doors, `verify` and `doctor` take their store from here, so neither door
//! reaches into the other.

use crate::access::store::AccessStore;
use crate::assets::store::AssetsStore;
use crate::collective::store::CollectiveStore;
use crate::disclosure::store::DisclosureStore;
use crate::fees::store::FeesStore;
use crate::public_revenue::store::PublicRevenueStore;
use crate::subsidies::store::SubsidiesStore;

/// A store with every wing's statements: what the server, the command line and `verify` work
/// on. Either engine's store is one (`store::SqliteStore`, `store::PgStore`); the program runs
/// on `store::AnyStore`, which is either, so this code is compiled once (see `store::any`).
pub trait AppStore:
    FeesStore + AccessStore + SubsidiesStore + PublicRevenueStore + CollectiveStore + AssetsStore + DisclosureStore
{
}
impl<S: FeesStore + AccessStore + SubsidiesStore + PublicRevenueStore + CollectiveStore + AssetsStore + DisclosureStore> AppStore for S {}
