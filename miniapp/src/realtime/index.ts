// Package realtime: the Centrifugo connection (personal channel pushes, room
// subscriptions). It never trusts publication data until events.ts has checked its shape.
export * from './types';
export * from './connection';
export * from './events';
export * from './url';
