package io.shmipc.jcstress;
final class Placeholder {}
