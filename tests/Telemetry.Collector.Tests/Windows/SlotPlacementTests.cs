using Telemetry.Collector.Configuration;
using Telemetry.Collector.Windows;

namespace Telemetry.Collector.Tests.Windows;

/// <summary>
/// The rings remember the slot they last placed into, to skip the divisions that find a slot; that must never
/// change where anything lands. A model of the placement rule — a value goes to its slot's position unless the
/// position holds a newer slot or the slot is older than the ring — against the rings, over thousands of
/// additions that go forward, stay, come late, come far too late and jump ahead, around zero and around now.
/// </summary>
public sealed class SlotPlacementTests
{
    private sealed class Model(int capacity)
    {
        private readonly Dictionary<int, (long Slot, double Sum)> _positions = [];
        private long _newest = long.MinValue;

        public bool Place(long slot, double value)
        {
            if (slot + capacity <= _newest)
            {
                return false;
            }

            var at = (int)(((slot % capacity) + capacity) % capacity);
            if (_positions.TryGetValue(at, out var held) && held.Slot > slot)
            {
                return false;
            }

            _positions[at] = held.Slot == slot ? (slot, held.Sum + value) : (slot, value);
            _newest = Math.Max(_newest, slot);
            return true;
        }

        public double Sum(long endSlotExclusive, int slots)
        {
            var total = 0.0;
            foreach (var (slot, sum) in _positions.Values)
            {
                total += slot >= endSlotExclusive - Math.Min(slots, capacity) && slot < endSlotExclusive ? sum : 0;
            }

            return total;
        }
    }

    /// <summary>Slot numbers as a fleet's reports produce them: mostly the current one, some late, a few jumps and very late ones.</summary>
    private static IEnumerable<long> Slots(int seed, long start, int capacity, int count)
    {
        var random = new Random(seed);
        var now = start;
        for (var i = 0; i < count; i++)
        {
            var roll = random.Next(100);
            now += roll switch { < 10 => 1, < 12 => random.Next(2, 3 * capacity), _ => 0 };
            yield return roll switch
            {
                >= 95 => now - random.Next(1, capacity), // late, perhaps still held
                >= 92 => now - random.Next(capacity, 4 * capacity), // older than the ring
                _ => now,
            };
        }
    }

    [Theory]
    [InlineData(1, 0L, false)]
    [InlineData(2, -40L, false)] // slots around zero: FloorDiv of negative times
    [InlineData(3, 28_333_333L, true)] // about now in 1-minute slots; single precision as node and server rings use
    public void A_window_ring_places_every_addition_where_the_placement_rule_says(int seed, long startSlot, bool singlePrecision)
    {
        const int slotSeconds = 60;
        const int windowSlots = 15;
        var ring = new WindowRing(slotSeconds, windowSlots, singlePrecision);
        var model = new Model(windowSlots + WindowRing.SlackSlots);
        var random = new Random(seed);
        var newest = long.MinValue;
        foreach (var slot in Slots(seed, startSlot, windowSlots + WindowRing.SlackSlots, 4000))
        {
            // Within the slot, a quarter of the time from its very start or to its very end (the edges of the remembered slot).
            var fromMs = (slot * slotSeconds * 1000) + (random.Next(4) == 0 ? 0 : random.Next(0, 30_000));
            var toMs = random.Next(4) == 0 ? (slot + 1) * slotSeconds * 1000 : fromMs + random.Next(1, 30_000);
            var joules = random.Next(1, 100); // whole numbers: exact in single precision too
            var landed = ring.Add(fromMs, toMs, new Accumulation { EnergyJoules = joules }) == 0;
            Assert.Equal(model.Place(slot, joules), landed);
            newest = Math.Max(newest, slot);
        }

        for (var end = newest - 20; end <= newest + 2; end++)
        {
            Assert.Equal(model.Sum(end, windowSlots), ring.Sum(end, windowSlots).EnergyJoules);
        }
    }

    [Theory]
    [InlineData(4, 0L)]
    [InlineData(5, -25L)]
    [InlineData(6, 3_400_000L)]
    public void A_histogram_ring_places_every_observation_where_the_placement_rule_says(int seed, long startSlot)
    {
        var window = new WindowDuration("5m", 300);
        var slotMs = HistogramWindows.SlotSeconds(window) * 1000L;
        const int capacity = HistogramWindows.SlotsPerWindow + 1;
        double[] bounds = [0.1, 1];
        var histogram = new HistogramWindows([window], bounds);
        var model = new Model(capacity);
        var random = new Random(seed);
        var newest = long.MinValue;
        foreach (var slot in Slots(seed, startSlot, capacity, 3000))
        {
            var midpoint = (slot * slotMs) + random.Next(0, (int)slotMs);
            var half = random.Next(0, 500);
            double observations = random.Next(1, 20);
            histogram.Add(midpoint - half, midpoint + half, bounds, [0, observations, 0], sum: observations);
            model.Place(slot, observations);
            newest = Math.Max(newest, slot);
        }

        Span<double> counts = stackalloc double[3];
        for (var end = newest - 10; end <= newest + 2; end++)
        {
            var sum = histogram.Read(0, end * slotMs, window.Seconds, counts);
            Assert.Equal(model.Sum(end, (int)(window.Seconds * 1000 / slotMs)), sum);
            Assert.Equal(sum, counts[1]); // each observation's count went with its sum
        }
    }
}
