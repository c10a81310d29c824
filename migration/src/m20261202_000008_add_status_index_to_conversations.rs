use sea_orm_migration::prelude::*;

/// A user's messages of one status, newest first: the `status` filter of the conversations
/// list seeks this index at any depth instead of reading the user's rows until enough match
/// (a rare status such as `failed` meant thousands of rows per page for a heavy user).
#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "idx_conversations_user_status_newest";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Conversations::Table)
                    .col(Conversations::UserId)
                    .col(Conversations::Status)
                    .col(Conversations::Timestamp)
                    .col(Conversations::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(NAME).table(Conversations::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Id,
    UserId,
    Status,
    Timestamp,
}
