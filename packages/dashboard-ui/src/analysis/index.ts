export { paretoFront, type ParetoPoint } from "./pareto";
export { choiceImportance, type ChoiceImportance } from "./importance";
export { rewardHistory, topFraction } from "./history";
