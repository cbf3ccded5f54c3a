import stats

print(stats.mean(1, 2, 3, 4), stats.median(5, 1, 3), stats.record(3), stats.record(70))
print(stats.counts(), stats.scaled_mean(1, 0, 2))
for f, a in ((stats.mean, ()), (stats.record, (5000,)), (stats.scaled_mean, (0, 1, 0))):
    try:
        f(*a)
    except ValueError as e:
        print("ValueError:", e)
