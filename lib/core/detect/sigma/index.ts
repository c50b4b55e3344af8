export { SigmaRuleError, type SigmaErrorCode } from './errors';
export { parseCondition, evaluateCondition, tokenize, type ConditionNode } from './condition';
export { compileSigmaRule, severityOfLevel, DEFAULT_LEVEL, type SigmaRule, type SigmaLevel } from './rule';
export { loadSigmaRules, parseSigmaRule, DEFAULT_SIGMA_RULE_DIR, type SigmaLoadResult, type SigmaRuleFolder } from './loader';
export { sigmaDetector } from './detector';
