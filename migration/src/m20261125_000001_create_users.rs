use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Users::Id))
                    .col(string_null(Users::Name))
                    .col(string_null(Users::Phone).unique_key())
                    .col(string_null(Users::Bsuid).unique_key())
                    .col(string(Users::Role).default("user"))
                    .col(string_null(Users::Email).unique_key())
                    .col(string_null(Users::PasswordHash))
                    .col(big_integer(Users::CurrentMonthCredits))
                    .col(big_integer(Users::MonthlyAllowance))
                    .col(string(Users::CreditsPeriod))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Users::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    Name,
    Phone,
    Bsuid,
    Role,
    Email,
    PasswordHash,
    CurrentMonthCredits,
    MonthlyAllowance,
    CreditsPeriod,
    CreatedAt,
}
