export function NewChannel() {
  return <h1>NewChannel</h1>;
}
