use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .if_not_exists()
                    .col(big_pk_auto(WebhookDeliveries::Id))
                    .col(timestamp_with_time_zone(WebhookDeliveries::ReceivedAt))
                    .col(blob(WebhookDeliveries::Body))
                    .col(string_null(WebhookDeliveries::Signature))
                    .col(boolean(WebhookDeliveries::SignatureVerified))
                    .col(string(WebhookDeliveries::Outcome))
                    .col(text_null(WebhookDeliveries::Error))
                    .col(integer(WebhookDeliveries::Messages))
                    .col(integer(WebhookDeliveries::Statuses))
                    .col(timestamp_with_time_zone(WebhookDeliveries::ProcessedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_outcome")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::Outcome)
                    .col(WebhookDeliveries::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    ReceivedAt,
    Body,
    Signature,
    SignatureVerified,
    Outcome,
    Error,
    Messages,
    Statuses,
    ProcessedAt,
}
