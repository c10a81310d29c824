// Every GraphQL operation of the admin UI, typed by graphql-codegen from ../schema.graphql.
import { graphql } from '../gql';

export const UserFields = graphql(`
  fragment UserFields on User {
    id
    name
    phone
    businessScopedUserId
    role
    currentMonthCredits
    monthlyAllowance
    creditsPeriod
  }
`);

export const ConversationFields = graphql(`
  fragment ConversationFields on Conversation {
    id
    userId
    from
    to
    messageId
    type
    content
    direction
    status
    timestamp
    contactName
    replyTo
    creditsCharged
    mediaId
    error { code title details }
    raw
    updatedAt
  }
`);

export const LedgerFields = graphql(`
  fragment LedgerFields on LedgerEntry {
    id
    delta
    reason
    messageId
    balanceAfter
    period
    note
    createdAt
  }
`);

export const LoginMutation = graphql(`
  mutation Login($identifier: String!, $password: String!) {
    login(identifier: $identifier, password: $password) {
      token
      expiresAt
      user { ...UserFields }
    }
  }
`);

export const UsersQuery = graphql(`
  query Users($search: String, $first: Int, $after: String) {
    users(search: $search, first: $first, after: $after) {
      nodes { ...UserFields }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const UserQuery = graphql(`
  query User($id: ID!) {
    user(id: $id) { ...UserFields }
  }
`);

export const ConversationsQuery = graphql(`
  query Conversations($userId: ID!, $filter: ConversationFilter, $first: Int, $after: String) {
    conversations(userId: $userId, filter: $filter, first: $first, after: $after) {
      nodes { ...ConversationFields }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const ThreadQuery = graphql(`
  query Thread($userId: ID!, $contact: String!, $last: Int!) {
    thread(userId: $userId, contact: $contact, last: $last) { ...ConversationFields }
  }
`);

export const MessageEventsSubscription = graphql(`
  subscription MessageEvents($userId: ID) {
    messageEvents(userId: $userId) {
      kind
      conversation { ...ConversationFields }
    }
  }
`);

export const SendMessageMutation = graphql(`
  mutation SendMessage($input: SendMessageInput!) {
    sendMessage(input: $input) {
      conversation { ...ConversationFields }
      creditsRemaining
    }
  }
`);

export const CreditsQuery = graphql(`
  query Credits($userId: ID!, $first: Int, $after: String) {
    credits(userId: $userId) {
      userId
      balance
      monthlyAllowance
      period
      ledger(first: $first, after: $after) {
        nodes { ...LedgerFields }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

export const AdjustCreditsMutation = graphql(`
  mutation AdjustCredits($userId: ID!, $delta: Int!, $reason: String!) {
    adjustCredits(userId: $userId, delta: $delta, reason: $reason) {
      userId
      balance
      monthlyAllowance
      period
    }
  }
`);

export const CreditsChangedSubscription = graphql(`
  subscription CreditsChanged($userId: ID) {
    creditsChanged(userId: $userId) {
      userId
      balance
      entry { ...LedgerFields }
    }
  }
`);

export const ChangePasswordMutation = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)
  }
`);

export const MeQuery = graphql(`
  query Me {
    me { id }
  }
`);
