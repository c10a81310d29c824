use sea_orm_migration::{prelude::*, schema::*};

/// Links an outbound message to the credit reservation made before it was sent, so a refund
/// (Meta refusing it, or a later `failed` status) names the same reference as the debit.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Conversations::Table).add_column(string_null(Conversations::SendRef)).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_conversations_user_direction_time")
                    .table(Conversations::Table)
                    .col(Conversations::UserId)
                    .col(Conversations::Direction)
                    .col(Conversations::Timestamp)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop().name("idx_conversations_user_direction_time").table(Conversations::Table).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(Conversations::Table).drop_column(Conversations::SendRef).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    UserId,
    Direction,
    Timestamp,
    SendRef,
}
