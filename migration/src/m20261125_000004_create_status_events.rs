use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StatusEvents::Table)
                    .if_not_exists()
                    .col(big_pk_auto(StatusEvents::Id))
                    .col(string(StatusEvents::MessageId))
                    .col(string(StatusEvents::Status))
                    .col(big_integer(StatusEvents::Timestamp))
                    .col(string_null(StatusEvents::RecipientId))
                    .col(big_integer_null(StatusEvents::ErrorCode))
                    .col(string_null(StatusEvents::ErrorTitle))
                    .col(text_null(StatusEvents::ErrorDetails))
                    .col(text_null(StatusEvents::Pricing))
                    .col(text(StatusEvents::Raw))
                    .col(timestamp_with_time_zone(StatusEvents::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_status_events_message_status")
                    .table(StatusEvents::Table)
                    .col(StatusEvents::MessageId)
                    .col(StatusEvents::Status)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StatusEvents::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum StatusEvents {
    Table,
    Id,
    MessageId,
    Status,
    Timestamp,
    RecipientId,
    ErrorCode,
    ErrorTitle,
    ErrorDetails,
    Pricing,
    Raw,
    CreatedAt,
}
