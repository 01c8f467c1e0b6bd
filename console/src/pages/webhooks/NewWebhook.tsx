export function NewWebhook() {
  return <h1>NewWebhook</h1>;
}
