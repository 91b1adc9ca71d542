"""Pure numeric kernels (numpy/scipy): combat attrition, road routes, supply reach. No Mesa,
no model: functions of arrays, tested against closed forms."""
