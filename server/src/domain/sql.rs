//! Multi-row statements within the backends' bound-parameter limits.

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Iterable, QueryResult, QueryTrait,
    sea_query::{OnConflict, Query},
};

/// Bound parameters one statement may carry: SQLite's limit (`SQLITE_MAX_VARIABLE_NUMBER`,
/// 32,766 since 3.32); PostgreSQL allows 65,535.
pub(crate) const MAX_PARAMS: usize = 32_766;

/// Inserts `rows` with as few multi-row `INSERT`s as the parameter limit allows, in order,
/// skipping rows that `on_conflict` says to skip, and returns `returning` of the rows inserted.
pub(crate) async fn insert_returning<A, C>(
    db: &C,
    rows: Vec<A>,
    on_conflict: Option<OnConflict>,
    returning: &[<A::Entity as EntityTrait>::Column],
) -> Result<Vec<QueryResult>, DbErr>
where
    A: ActiveModelTrait,
    C: ConnectionTrait,
{
    let Some(first) = rows.first() else { return Ok(Vec::new()) };
    let columns = <A::Entity as EntityTrait>::Column::iter().filter(|c| !first.get(*c).is_not_set()).count();
    let mut returned = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(MAX_PARAMS / columns.max(1)).collect();
        let mut statement = <A::Entity as EntityTrait>::insert_many(chunk).into_query();
        if let Some(on_conflict) = on_conflict.clone() {
            statement.on_conflict(on_conflict);
        }
        statement.returning(Query::returning().columns(returning.iter().copied()));
        returned.extend(db.query_all_raw(db.get_database_backend().build(&statement)).await?);
    }
    Ok(returned)
}

/// `values` in slices small enough for an `IN` list of one statement.
pub(crate) fn in_chunks<T>(values: &[T]) -> std::slice::Chunks<'_, T> {
    values.chunks(MAX_PARAMS / 2)
}
