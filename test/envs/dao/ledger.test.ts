import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../../lib/rng.ts';
import { InsufficientBalance, Ledger, LedgerError } from '../../../envs/dao/ledger.ts';
import { AMM, DEFAULT_MARKET, LENDING, Market } from '../../../envs/dao/market.ts';

test('constant-product pool: x * y grows only by the fee, and price impact grows with size', () => {
  const ledger = new Ledger({ trader: { usd: 100_000_000 } });
  const market = Market.open(ledger, DEFAULT_MARKET);
  const k = ledger.balance(AMM, 'token') * ledger.balance(AMM, 'usd');
  const spot = market.price();
  const small = market.quoteBuy(1000) * spot / 1000;
  const size = DEFAULT_MARKET.ammUsd * 0.2;
  const large = (market.quoteBuy(size) * spot) / size;
  assert.ok(small > 0.996 && small < 0.997, `a small buy gets ~(1 - fee) of spot: ${small}`);
  // x y = k: usd worth 20 % of the pool gets 1 / 1.2 of spot value, less the fee.
  assert.ok(Math.abs(large - 0.997 / (1 + 0.2 * 0.997)) < 1e-9, `a buy of 20 % of the pool pays heavy impact: ${large}`);
  const tokens = market.buy('trader', 1_000_000);
  const k2 = ledger.balance(AMM, 'token') * ledger.balance(AMM, 'usd');
  assert.ok(k2 > k, 'the fee stays in the pool');
  const usd = market.sell('trader', tokens);
  assert.ok(usd < 1_000_000, 'a round trip loses fees and nothing else');
  assert.ok(usd > 1_000_000 * 0.99);
});

test('ledger invariants hold under thousands of random action sequences', () => {
  const rng = Rng.create(2024);
  const accounts = ['a', 'b', 'c'];
  for (let trial = 0; trial < 2000; trial++) {
    const ledger = new Ledger({ a: { usd: rng.uniform(0, 1e6), token: rng.uniform(0, 1e4) }, b: { usd: rng.uniform(0, 1e6) }, c: {} });
    const market = Market.open(ledger, { ...DEFAULT_MARKET, ammToken: rng.uniform(1e3, 1e6), ammUsd: rng.uniform(1e4, 1e7), lendingToken: rng.uniform(0, 1e5) });
    for (let step = 0; step < 12; step++) {
      const who = accounts[rng.int(3)]!;
      const other = accounts[rng.int(3)]!;
      const amount = rng.uniform(0, 2e5) * (rng.random() < 0.2 ? 100 : 1);
      try {
        switch (rng.int(8)) {
          case 0:
            ledger.transfer(rng.random() < 0.5 ? 'usd' : 'token', who, other, amount);
            break;
          case 1:
            market.buy(who, amount);
            break;
          case 2:
            market.sell(who, amount / 100);
            break;
          case 3:
            market.borrow(who, amount / 100);
            break;
          case 4:
            market.repay(who, amount / 100);
            break;
          case 5:
            market.flashLoan(who, amount / 10, () => {
              market.sell(who, amount / 20);
              // An expected refusal inside the loan reverts it as an outcome; any other error propagates.
              if (rng.random() < 0.5) throw new InsufficientBalance('strategy aborted');
            });
            break;
          case 6:
            market.accrue(rng.int(10_000));
            break;
          default:
            ledger.mint('usd', who, amount);
        }
      } catch (error) {
        assert.instance(error, LedgerError, (error as Error).message);
      }
      ledger.checkInvariants();
      for (const name of ledger.accounts()) {
        assert.ok(ledger.balance(name, 'usd') >= 0 && ledger.balance(name, 'token') >= 0, `${name} went negative`);
      }
      assert.ok(market.debtOf(who) >= 0 && market.collateralOf(who) >= -1e-6);
    }
  }
});

test('a flash loan that cannot be repaid reverts every change made inside it', () => {
  const ledger = new Ledger({ attacker: { usd: 1000 } });
  const market = Market.open(ledger, DEFAULT_MARKET);
  const before = ledger.snapshot();
  const result = market.flashLoan('attacker', 100_000, () => {
    market.sell('attacker', 100_000); // spends the loan: nothing left to repay with
  });
  assert.is(result.ok, false);
  assert.equal(ledger.snapshot(), before);
  const ok = market.flashLoan('attacker', 10_000, () => {
    market.buy('attacker', 900);
  });
  assert.ok(ok.ok, 'repaid with the fee bought from the pool');
  // A bug inside the loan is not an outcome: it propagates, with the ledger restored.
  const beforeBug = ledger.snapshot();
  assert.throws(() => market.flashLoan('attacker', 1_000, () => {
    market.sell('attacker', 500);
    throw new TypeError('a bug');
  }), /a bug/);
  assert.equal(ledger.snapshot(), beforeBug);
  assert.ok(ledger.balance(LENDING, 'token') > DEFAULT_MARKET.lendingToken, 'the lender earned the fee');
  ledger.checkInvariants();
});

test('borrowing posts collateral at the loan-to-value limit; interest accrues; repay releases collateral', () => {
  const ledger = new Ledger({ borrower: { usd: 1_000_000 } });
  const market = Market.open(ledger, DEFAULT_MARKET);
  market.borrow('borrower', 1000);
  const collateral = market.collateralOf('borrower');
  assert.ok(Math.abs(collateral - (1000 * market.price()) / DEFAULT_MARKET.loanToValue) < 1e-6);
  market.accrue(2_628_000);
  assert.ok(Math.abs(market.debtOf('borrower') - 1000 * (1 + DEFAULT_MARKET.interestPerBlock) ** 2_628_000) < 1e-6, 'a year at 5 %');
  assert.ok(market.debtOf('borrower') > 1051);
  market.repay('borrower', 1000);
  assert.ok(market.debtOf('borrower') > 50 && market.debtOf('borrower') < 52, 'interest is still owed');
  assert.throws(() => market.borrow('borrower', 1e9), /lending market has/);
});

test.run();
