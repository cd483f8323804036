import semver from 'semver';
import { ErrorCode, FerryError, type TargetingCondition } from '$shared';

/**
 * Checks what the zod schema cannot: every `appVersion.range` is a valid semver range and no
 * `min` exceeds its `max`. Throws INVALID_INPUT naming the condition (`targeting.2.range: …`).
 */
export function checkTargeting(conditions: readonly TargetingCondition[], field: string): void {
  conditions.forEach((condition, index) => {
    const at = `${field}.${index}`;
    if (condition.attribute === 'appVersion' && semver.validRange(condition.range) === null) {
      throw new FerryError(
        ErrorCode.INVALID_INPUT,
        `${at}.range: "${condition.range.slice(0, 100)}" is not a valid semver range`,
      );
    }
    if ('min' in condition && 'max' in condition) {
      const { min, max } = condition;
      if (min !== undefined && max !== undefined && min > max) {
        throw new FerryError(ErrorCode.INVALID_INPUT, `${at}.min: ${min} is greater than max ${max}`);
      }
    }
  });
}
