use sea_orm_migration::prelude::*;

/// The index on a user's messages of one direction ends with `id`, like the list's order
/// (timestamp DESC, id DESC): PostgreSQL then pages the `direction` filter straight from the
/// index, where it had to sort each run of equal timestamps (SQLite appends the rowid to every
/// index, so there it changes nothing). It still serves the service-window lookup.
#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD: &str = "idx_conversations_user_direction_time";
const NEW: &str = "idx_conversations_user_direction_newest";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NEW)
                    .table(Conversations::Table)
                    .col(Conversations::UserId)
                    .col(Conversations::Direction)
                    .col(Conversations::Timestamp)
                    .col(Conversations::Id)
                    .to_owned(),
            )
            .await?;
        manager.drop_index(Index::drop().name(OLD).table(Conversations::Table).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(OLD)
                    .table(Conversations::Table)
                    .col(Conversations::UserId)
                    .col(Conversations::Direction)
                    .col(Conversations::Timestamp)
                    .to_owned(),
            )
            .await?;
        manager.drop_index(Index::drop().name(NEW).table(Conversations::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Id,
    UserId,
    Direction,
    Timestamp,
}
