import { withOptions } from '../../scripts/start-with';

describe('npm start -- --with', () => {
  it('reads comma lists, the = form and repeats', () => {
    expect([...withOptions(['--with', 'consul,observability'])].sort()).toEqual(['consul', 'observability']);
    expect([...withOptions(['--with=observability', '--with', ' consul '])].sort()).toEqual(['consul', 'observability']);
    expect(withOptions([]).size).toBe(0);
    expect(withOptions(['--without', 'observability']).size).toBe(0);
  });
});
