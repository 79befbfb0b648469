// Package api: the one typed client for the HTTP contract. It never sends a user id;
// the server learns who the user is from the signed init data alone.
export * from './types';
export * from './errors';
export * from './client';
