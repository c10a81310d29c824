// GraphQL over HTTP for seeding: what an API client would do.
export async function graphql(baseUrl, token, query, variables = {}) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const result = await response.json();
  if (result.errors?.length) {
    throw new Error(`GraphQL error: ${result.errors.map((e) => `${e.message} (${e.extensions?.code})`).join('; ')}`);
  }
  return result.data;
}
