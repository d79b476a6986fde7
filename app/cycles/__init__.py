"""The five-step cycle of the joint work, the collaboration agreement, and the lägesbild and åtgärdsplan."""
