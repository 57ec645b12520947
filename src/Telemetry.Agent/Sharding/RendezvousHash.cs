using System.Text;

namespace Telemetry.Agent.Sharding;

/// <summary>
/// Rendezvous (highest-random-weight) hashing: a key goes to the bucket whose hash of (key, bucket) scores
/// highest. Every agent computes the same answer from the same bucket list, in any order, in any process and
/// after any restart (the hash is FNV-1a 64 with a fixed finalizer — never <c>string.GetHashCode</c>, which .NET
/// randomizes per process). Adding a bucket moves only the keys it now wins, about 1/N of them; removing one
/// moves only its own keys. Not a general-purpose hash: cheap and well mixed, not collision-resistant.
/// </summary>
public static class RendezvousHash
{
    // FNV-1a 64-bit parameters (http://www.isthe.com/chongo/tech/comp/fnv/).
    private const ulong FnvOffsetBasis = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>Index of the bucket that wins <paramref name="key"/>; ties (astronomically rare) go to the ordinally smaller bucket name.</summary>
    public static int Pick(string key, IReadOnlyList<string> buckets)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(buckets);
        if (buckets.Count == 0)
        {
            throw new ArgumentException("at least one bucket is needed", nameof(buckets));
        }

        var best = 0;
        var bestScore = Score(key, buckets[0]);
        for (var i = 1; i < buckets.Count; i++)
        {
            var score = Score(key, buckets[i]);
            if (score > bestScore || (score == bestScore && string.CompareOrdinal(buckets[i], buckets[best]) < 0))
            {
                best = i;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>The weight of <paramref name="bucket"/> for <paramref name="key"/>: a hash of both, fully mixed.</summary>
    public static ulong Score(string key, string bucket)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(bucket);
        var h = Fnv1a(FnvOffsetBasis, key);
        h = (h ^ 0xFF) * FnvPrime; // a separator byte that UTF-8 text never contains, so ("ab","c") ≠ ("a","bc")
        h = Fnv1a(h, bucket);
        return Mix(h);
    }

    private static ulong Fnv1a(ulong h, string text)
    {
        Span<byte> stack = stackalloc byte[256];
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var bytes = max <= stack.Length ? stack : new byte[max];
        var n = Encoding.UTF8.GetBytes(text, bytes);
        foreach (var b in bytes[..n])
        {
            h = (h ^ b) * FnvPrime;
        }

        return h;
    }

    /// <summary>MurmurHash3's 64-bit finalizer (fmix64): FNV-1a alone leaves the high bits of similar keys correlated.</summary>
    private static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB93FE53E63C5UL;
        h ^= h >> 33;
        return h;
    }
}
