use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Conversations::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Conversations::Id))
                    .col(big_integer(Conversations::UserId))
                    .col(string(Conversations::From))
                    .col(string(Conversations::To))
                    .col(string(Conversations::MessageId).unique_key())
                    .col(string(Conversations::Type))
                    .col(text(Conversations::Content))
                    .col(string(Conversations::Direction))
                    .col(string(Conversations::Status))
                    .col(string(Conversations::PhoneNumberId))
                    .col(string_null(Conversations::ContactName))
                    .col(string_null(Conversations::ReplyTo))
                    .col(text(Conversations::Raw))
                    .col(big_integer(Conversations::CreditsCharged))
                    .col(big_integer_null(Conversations::ErrorCode))
                    .col(string_null(Conversations::ErrorTitle))
                    .col(text_null(Conversations::ErrorDetails))
                    .col(big_integer(Conversations::Timestamp))
                    .col(timestamp_with_time_zone(Conversations::CreatedAt))
                    .col(timestamp_with_time_zone(Conversations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_conversations_user")
                            .from(Conversations::Table, Conversations::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_conversations_user_newest")
                    .table(Conversations::Table)
                    .col(Conversations::UserId)
                    .col(Conversations::Timestamp)
                    .col(Conversations::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Conversations::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Id,
    UserId,
    From,
    To,
    MessageId,
    Type,
    Content,
    Direction,
    Status,
    PhoneNumberId,
    ContactName,
    ReplyTo,
    Raw,
    CreditsCharged,
    ErrorCode,
    ErrorTitle,
    ErrorDetails,
    Timestamp,
    CreatedAt,
    UpdatedAt,
}
