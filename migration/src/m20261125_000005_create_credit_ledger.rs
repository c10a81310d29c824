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
                    .table(CreditLedger::Table)
                    .if_not_exists()
                    .col(big_pk_auto(CreditLedger::Id))
                    .col(big_integer(CreditLedger::UserId))
                    .col(big_integer(CreditLedger::Delta))
                    .col(string(CreditLedger::Reason))
                    .col(string_null(CreditLedger::MessageId))
                    .col(big_integer(CreditLedger::BalanceAfter))
                    .col(string(CreditLedger::Period))
                    .col(text_null(CreditLedger::Note))
                    .col(timestamp_with_time_zone(CreditLedger::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_credit_ledger_user")
                            .from(CreditLedger::Table, CreditLedger::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_credit_ledger_message_reason")
                    .table(CreditLedger::Table)
                    .col(CreditLedger::MessageId)
                    .col(CreditLedger::Reason)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_credit_ledger_user")
                    .table(CreditLedger::Table)
                    .col(CreditLedger::UserId)
                    .col(CreditLedger::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CreditLedger::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum CreditLedger {
    Table,
    Id,
    UserId,
    Delta,
    Reason,
    MessageId,
    BalanceAfter,
    Period,
    Note,
    CreatedAt,
}
