//! Throwaway databases on the PostgreSQL server that `TEST_DATABASE_URL` names.

use sea_orm::{ConnectionTrait, Database};

/// Creates a new, empty database next to `admin_url`'s and returns its URL.
pub async fn create_database(admin_url: &str) -> String {
    let admin = Database::connect(admin_url).await.unwrap_or_else(|e| {
        panic!("TEST_DATABASE_URL is set but PostgreSQL cannot be reached ({e}); start it or unset the variable")
    });
    let name = format!("wagate_test_{}", uuid::Uuid::new_v4().simple());
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create a test database");
    let (base, query) = admin_url.split_once('?').map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}
