// Package telegram: the bridge to the Telegram client (the Mini Apps SDK), and
// its stand-in outside Telegram. The init data it exposes is opaque: the app
// forwards it to the API and never trusts it itself.
export * from './types';
export * from './bridge';
export * from './theme';
export * from './launchParams';
