// The gRPC message framing for the transport tests' HTTP/2 peers, written here independently of
// backends/etcd/wire/grpc-channel.ts so that a framing bug there cannot hide in both sides. Test helper only.

import type http2 from "node:http2";

/** `message` with the 5-byte gRPC prefix (uncompressed, big-endian length). */
export function framed(message: Buffer): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** The request message of a gRPC body (one length-prefixed message). */
export function unframe(body: Buffer): Buffer {
  return body.subarray(5, 5 + body.readUInt32BE(1));
}

/** Calls `onMessage` for each whole length-prefixed message of a stream's request body, in order. */
export function eachMessage(stream: http2.ServerHttp2Stream, onMessage: (m: Buffer) => void): void {
  let buffered = Buffer.alloc(0);
  stream.on("data", (d: Buffer) => {
    buffered = Buffer.concat([buffered, d]);
    while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt32BE(1)) {
      const length = buffered.readUInt32BE(1);
      onMessage(buffered.subarray(5, 5 + length));
      buffered = buffered.subarray(5 + length);
    }
  });
}
