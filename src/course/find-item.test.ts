import { describe, expect, it } from 'vitest';
import { fixtureCourse } from '../../test/helpers/fixture.js';
import { UserError } from '../ui/errors.js';
import { closeIds, findExercise, findItem } from './find-item.js';

describe('findItem', () => {
  it('finds by id and suggests close ids for a typo', () => {
    const { course } = fixtureCourse();
    expect(findItem(course, 'greet').title).toBe('Say hello');
    expect(() => findItem(course, 'gret')).toThrow(/no lesson or exercise "gret".*Did you mean: greet\?/s);
    expect(() => findItem(course, 'gret')).toThrow(UserError);
  });

  it('finds by the number the screen shows (lessons and exercises counted apart) and by title', () => {
    const { course } = fixtureCourse();
    expect(findItem(course, 'lesson 2').id).toBe('events');
    expect(findItem(course, 'Exercise 2').id).toBe('count');
    expect(findItem(course, 'exercise2').id).toBe('count');
    expect(findItem(course, 'say hello').id).toBe('greet');
    expect(() => findItem(course, 'lesson 3')).toThrow(UserError);
  });

  it('refuses a lesson where an exercise is needed', () => {
    const { course } = fixtureCourse();
    expect(() => findExercise(course, 'welcome')).toThrow(/"welcome" is a lesson/);
  });
});

describe('closeIds', () => {
  it('ranks by edit distance and includes ids containing what was typed', () => {
    expect(closeIds(['publish-order', 'publish-retry', 'welcome'], 'publish-ordr')).toEqual(['publish-order', 'publish-retry']);
    expect(closeIds(['publish-order', 'welcome'], 'order')).toEqual(['publish-order']);
    expect(closeIds(['welcome'], 'zzz')).toEqual([]);
  });
});
