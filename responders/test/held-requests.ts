/**
 * A viem client whose requests go to a real node, except that the next request of a chosen method can
 * be held back (not sent) until the test releases it: "a block arrives between two reads" staged
 * deterministically. Every answer is the node's own, sent when released.
 */
import { createPublicClient, custom, http, type PublicClient } from 'viem';
import { foundry } from 'viem/chains';

export interface HeldRequest {
  /** Resolves when the held request was made (it is waiting). */
  arrived: Promise<void>;
  /** Sends it on to the node. */
  release(): void;
}

export interface HoldingClient {
  client: PublicClient;
  /** Holds the next request of `method` made from now on. */
  holdNext(method: string): HeldRequest;
}

export function createHoldingClient(url: string): HoldingClient {
  const node = createPublicClient({ chain: foundry, transport: http(url) });
  const holds: { method: string; arrive(): void; released: Promise<void> }[] = [];
  const client = createPublicClient({
    chain: foundry,
    transport: custom({
      async request({ method, params }) {
        const index = holds.findIndex((hold) => hold.method === method);
        if (index >= 0) {
          const [hold] = holds.splice(index, 1);
          hold!.arrive();
          await hold!.released;
        }
        return node.request({ method, params } as never);
      },
    }),
  }) as PublicClient;
  return {
    client,
    holdNext(method) {
      let arrive!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ method, arrive, released });
      return { arrived, release };
    },
  };
}
