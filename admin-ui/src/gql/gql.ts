/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment UserFields on User {\n    id\n    name\n    phone\n    businessScopedUserId\n    role\n    currentMonthCredits\n    monthlyAllowance\n    creditsPeriod\n  }\n": typeof types.UserFieldsFragmentDoc,
    "\n  fragment ConversationFields on Conversation {\n    id\n    userId\n    from\n    to\n    messageId\n    type\n    content\n    direction\n    status\n    timestamp\n    contactName\n    replyTo\n    creditsCharged\n    mediaId\n    error { code title details }\n    raw\n    updatedAt\n  }\n": typeof types.ConversationFieldsFragmentDoc,
    "\n  fragment LedgerFields on LedgerEntry {\n    id\n    delta\n    reason\n    messageId\n    balanceAfter\n    period\n    note\n    createdAt\n  }\n": typeof types.LedgerFieldsFragmentDoc,
    "\n  mutation Login($identifier: String!, $password: String!) {\n    login(identifier: $identifier, password: $password) {\n      token\n      expiresAt\n      user { ...UserFields }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  query Users($search: String, $first: Int, $after: String) {\n    users(search: $search, first: $first, after: $after) {\n      nodes { ...UserFields }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.UsersDocument,
    "\n  query User($id: ID!) {\n    user(id: $id) { ...UserFields }\n  }\n": typeof types.UserDocument,
    "\n  query Conversations($userId: ID!, $filter: ConversationFilter, $first: Int, $after: String) {\n    conversations(userId: $userId, filter: $filter, first: $first, after: $after) {\n      nodes { ...ConversationFields }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.ConversationsDocument,
    "\n  query Thread($userId: ID!, $contact: String!, $last: Int!) {\n    thread(userId: $userId, contact: $contact, last: $last) { ...ConversationFields }\n  }\n": typeof types.ThreadDocument,
    "\n  subscription MessageEvents($userId: ID) {\n    messageEvents(userId: $userId) {\n      kind\n      conversation { ...ConversationFields }\n    }\n  }\n": typeof types.MessageEventsDocument,
    "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      conversation { ...ConversationFields }\n      creditsRemaining\n    }\n  }\n": typeof types.SendMessageDocument,
    "\n  query Credits($userId: ID!, $first: Int, $after: String) {\n    credits(userId: $userId) {\n      userId\n      balance\n      monthlyAllowance\n      period\n      ledger(first: $first, after: $after) {\n        nodes { ...LedgerFields }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": typeof types.CreditsDocument,
    "\n  mutation AdjustCredits($userId: ID!, $delta: Int!, $reason: String!) {\n    adjustCredits(userId: $userId, delta: $delta, reason: $reason) {\n      userId\n      balance\n      monthlyAllowance\n      period\n    }\n  }\n": typeof types.AdjustCreditsDocument,
    "\n  subscription CreditsChanged($userId: ID) {\n    creditsChanged(userId: $userId) {\n      userId\n      balance\n      entry { ...LedgerFields }\n    }\n  }\n": typeof types.CreditsChangedDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)\n  }\n": typeof types.ChangePasswordDocument,
    "\n  query Me {\n    me { id }\n  }\n": typeof types.MeDocument,
};
const documents: Documents = {
    "\n  fragment UserFields on User {\n    id\n    name\n    phone\n    businessScopedUserId\n    role\n    currentMonthCredits\n    monthlyAllowance\n    creditsPeriod\n  }\n": types.UserFieldsFragmentDoc,
    "\n  fragment ConversationFields on Conversation {\n    id\n    userId\n    from\n    to\n    messageId\n    type\n    content\n    direction\n    status\n    timestamp\n    contactName\n    replyTo\n    creditsCharged\n    mediaId\n    error { code title details }\n    raw\n    updatedAt\n  }\n": types.ConversationFieldsFragmentDoc,
    "\n  fragment LedgerFields on LedgerEntry {\n    id\n    delta\n    reason\n    messageId\n    balanceAfter\n    period\n    note\n    createdAt\n  }\n": types.LedgerFieldsFragmentDoc,
    "\n  mutation Login($identifier: String!, $password: String!) {\n    login(identifier: $identifier, password: $password) {\n      token\n      expiresAt\n      user { ...UserFields }\n    }\n  }\n": types.LoginDocument,
    "\n  query Users($search: String, $first: Int, $after: String) {\n    users(search: $search, first: $first, after: $after) {\n      nodes { ...UserFields }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.UsersDocument,
    "\n  query User($id: ID!) {\n    user(id: $id) { ...UserFields }\n  }\n": types.UserDocument,
    "\n  query Conversations($userId: ID!, $filter: ConversationFilter, $first: Int, $after: String) {\n    conversations(userId: $userId, filter: $filter, first: $first, after: $after) {\n      nodes { ...ConversationFields }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.ConversationsDocument,
    "\n  query Thread($userId: ID!, $contact: String!, $last: Int!) {\n    thread(userId: $userId, contact: $contact, last: $last) { ...ConversationFields }\n  }\n": types.ThreadDocument,
    "\n  subscription MessageEvents($userId: ID) {\n    messageEvents(userId: $userId) {\n      kind\n      conversation { ...ConversationFields }\n    }\n  }\n": types.MessageEventsDocument,
    "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      conversation { ...ConversationFields }\n      creditsRemaining\n    }\n  }\n": types.SendMessageDocument,
    "\n  query Credits($userId: ID!, $first: Int, $after: String) {\n    credits(userId: $userId) {\n      userId\n      balance\n      monthlyAllowance\n      period\n      ledger(first: $first, after: $after) {\n        nodes { ...LedgerFields }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": types.CreditsDocument,
    "\n  mutation AdjustCredits($userId: ID!, $delta: Int!, $reason: String!) {\n    adjustCredits(userId: $userId, delta: $delta, reason: $reason) {\n      userId\n      balance\n      monthlyAllowance\n      period\n    }\n  }\n": types.AdjustCreditsDocument,
    "\n  subscription CreditsChanged($userId: ID) {\n    creditsChanged(userId: $userId) {\n      userId\n      balance\n      entry { ...LedgerFields }\n    }\n  }\n": types.CreditsChangedDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)\n  }\n": types.ChangePasswordDocument,
    "\n  query Me {\n    me { id }\n  }\n": types.MeDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserFields on User {\n    id\n    name\n    phone\n    businessScopedUserId\n    role\n    currentMonthCredits\n    monthlyAllowance\n    creditsPeriod\n  }\n"): (typeof documents)["\n  fragment UserFields on User {\n    id\n    name\n    phone\n    businessScopedUserId\n    role\n    currentMonthCredits\n    monthlyAllowance\n    creditsPeriod\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConversationFields on Conversation {\n    id\n    userId\n    from\n    to\n    messageId\n    type\n    content\n    direction\n    status\n    timestamp\n    contactName\n    replyTo\n    creditsCharged\n    mediaId\n    error { code title details }\n    raw\n    updatedAt\n  }\n"): (typeof documents)["\n  fragment ConversationFields on Conversation {\n    id\n    userId\n    from\n    to\n    messageId\n    type\n    content\n    direction\n    status\n    timestamp\n    contactName\n    replyTo\n    creditsCharged\n    mediaId\n    error { code title details }\n    raw\n    updatedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment LedgerFields on LedgerEntry {\n    id\n    delta\n    reason\n    messageId\n    balanceAfter\n    period\n    note\n    createdAt\n  }\n"): (typeof documents)["\n  fragment LedgerFields on LedgerEntry {\n    id\n    delta\n    reason\n    messageId\n    balanceAfter\n    period\n    note\n    createdAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($identifier: String!, $password: String!) {\n    login(identifier: $identifier, password: $password) {\n      token\n      expiresAt\n      user { ...UserFields }\n    }\n  }\n"): (typeof documents)["\n  mutation Login($identifier: String!, $password: String!) {\n    login(identifier: $identifier, password: $password) {\n      token\n      expiresAt\n      user { ...UserFields }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Users($search: String, $first: Int, $after: String) {\n    users(search: $search, first: $first, after: $after) {\n      nodes { ...UserFields }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query Users($search: String, $first: Int, $after: String) {\n    users(search: $search, first: $first, after: $after) {\n      nodes { ...UserFields }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query User($id: ID!) {\n    user(id: $id) { ...UserFields }\n  }\n"): (typeof documents)["\n  query User($id: ID!) {\n    user(id: $id) { ...UserFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Conversations($userId: ID!, $filter: ConversationFilter, $first: Int, $after: String) {\n    conversations(userId: $userId, filter: $filter, first: $first, after: $after) {\n      nodes { ...ConversationFields }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query Conversations($userId: ID!, $filter: ConversationFilter, $first: Int, $after: String) {\n    conversations(userId: $userId, filter: $filter, first: $first, after: $after) {\n      nodes { ...ConversationFields }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Thread($userId: ID!, $contact: String!, $last: Int!) {\n    thread(userId: $userId, contact: $contact, last: $last) { ...ConversationFields }\n  }\n"): (typeof documents)["\n  query Thread($userId: ID!, $contact: String!, $last: Int!) {\n    thread(userId: $userId, contact: $contact, last: $last) { ...ConversationFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MessageEvents($userId: ID) {\n    messageEvents(userId: $userId) {\n      kind\n      conversation { ...ConversationFields }\n    }\n  }\n"): (typeof documents)["\n  subscription MessageEvents($userId: ID) {\n    messageEvents(userId: $userId) {\n      kind\n      conversation { ...ConversationFields }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      conversation { ...ConversationFields }\n      creditsRemaining\n    }\n  }\n"): (typeof documents)["\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      conversation { ...ConversationFields }\n      creditsRemaining\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Credits($userId: ID!, $first: Int, $after: String) {\n    credits(userId: $userId) {\n      userId\n      balance\n      monthlyAllowance\n      period\n      ledger(first: $first, after: $after) {\n        nodes { ...LedgerFields }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Credits($userId: ID!, $first: Int, $after: String) {\n    credits(userId: $userId) {\n      userId\n      balance\n      monthlyAllowance\n      period\n      ledger(first: $first, after: $after) {\n        nodes { ...LedgerFields }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AdjustCredits($userId: ID!, $delta: Int!, $reason: String!) {\n    adjustCredits(userId: $userId, delta: $delta, reason: $reason) {\n      userId\n      balance\n      monthlyAllowance\n      period\n    }\n  }\n"): (typeof documents)["\n  mutation AdjustCredits($userId: ID!, $delta: Int!, $reason: String!) {\n    adjustCredits(userId: $userId, delta: $delta, reason: $reason) {\n      userId\n      balance\n      monthlyAllowance\n      period\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CreditsChanged($userId: ID) {\n    creditsChanged(userId: $userId) {\n      userId\n      balance\n      entry { ...LedgerFields }\n    }\n  }\n"): (typeof documents)["\n  subscription CreditsChanged($userId: ID) {\n    creditsChanged(userId: $userId) {\n      userId\n      balance\n      entry { ...LedgerFields }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)\n  }\n"): (typeof documents)["\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me { id }\n  }\n"): (typeof documents)["\n  query Me {\n    me { id }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;