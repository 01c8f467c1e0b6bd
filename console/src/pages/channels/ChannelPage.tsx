export function ChannelPage() {
  return <h1>ChannelPage</h1>;
}
