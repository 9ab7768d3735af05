using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Empty = Google.Protobuf.WellKnownTypes.Empty;

namespace OfflineSafety.Serve.Tests;

/// <summary>
/// A Dapr sidecar's gRPC API, as much of it as the service calls (GetState, SaveState,
/// PublishEvent), on a free loopback port over HTTP/2. The methods are bound to Dapr.Protos' own
/// service descriptor and messages, so DaprClient talks to it exactly as to daprd. It keeps state
/// with ETags the way Dapr's state stores do (an item saved with an ETag must match; with
/// first-write concurrency an empty ETag means "only if absent"; a mismatch is ABORTED) and records
/// every request for the test to check.
/// </summary>
public sealed class LoopbackDaprSidecar : IAsyncDisposable
{
    public sealed record Published(string PubSub, string Topic, string ContentType, JsonElement Data);
    public sealed record StateRead(string Store, string Key, bool Found);
    public sealed record StateWrite(string Store, string Key, string? ETag, StateOptions.Types.StateConcurrency Concurrency, bool Accepted);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<(string Store, string Key), (ByteString Value, long ETag)> _state = new();
    private readonly object _gate = new();
    private long _nextETag;

    public ConcurrentQueue<Published> Publications { get; } = new();
    public ConcurrentQueue<StateRead> Reads { get; } = new();
    public ConcurrentQueue<StateWrite> Writes { get; } = new();

    public string GrpcEndpoint { get; }

    private LoopbackDaprSidecar(WebApplication app, string endpoint)
    {
        _app = app;
        GrpcEndpoint = endpoint;
    }

    public static async Task<LoopbackDaprSidecar> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<Api>();
        var app = builder.Build();
        app.MapGrpcService<Api>();
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var sidecar = new LoopbackDaprSidecar(app, address);
        app.Services.GetRequiredService<Api>().Sidecar = sidecar;
        return sidecar;
    }

    /// <summary>The state value under a key as the service serialized it, or null.</summary>
    public JsonElement? State(string store, string key) =>
        _state.TryGetValue((store, key), out var v) ? JsonDocument.Parse(v.Value.Memory).RootElement.Clone() : null;

    public IReadOnlyList<string> StateKeys(string store) => [.. _state.Keys.Where(k => k.Store == store).Select(k => k.Key).Order(StringComparer.Ordinal)];

    private GetStateResponse Get(GetStateRequest request)
    {
        bool found = _state.TryGetValue((request.StoreName, request.Key), out var v);
        Reads.Enqueue(new StateRead(request.StoreName, request.Key, found));
        return found ? new GetStateResponse { Data = v.Value, Etag = v.ETag.ToString(System.Globalization.CultureInfo.InvariantCulture) } : new GetStateResponse();
    }

    private void Save(SaveStateRequest request)
    {
        lock (_gate)
        {
            foreach (var item in request.States)
            {
                var concurrency = item.Options?.Concurrency ?? StateOptions.Types.StateConcurrency.ConcurrencyUnspecified;
                string? etag = item.Etag?.Value;
                bool exists = _state.TryGetValue((request.StoreName, item.Key), out var current);
                bool accepted = etag switch
                {
                    null => concurrency != StateOptions.Types.StateConcurrency.ConcurrencyFirstWrite || !exists,
                    "" => concurrency == StateOptions.Types.StateConcurrency.ConcurrencyFirstWrite ? !exists : true,
                    _ => exists && etag == current.ETag.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                Writes.Enqueue(new StateWrite(request.StoreName, item.Key, etag, concurrency, accepted));
                if (!accepted) throw new RpcException(new Status(StatusCode.Aborted, $"possible etag mismatch on key '{item.Key}'"));
                _state[(request.StoreName, item.Key)] = (item.Value, ++_nextETag);
            }
        }
    }

    private void Publish(PublishEventRequest request) =>
        Publications.Enqueue(new Published(request.PubsubName, request.Topic, request.DataContentType, JsonDocument.Parse(request.Data.Memory).RootElement.Clone()));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The gRPC service: one override per RPC the service uses; every other RPC is UNIMPLEMENTED.</summary>
    public sealed class Api : DaprApiBase
    {
        internal LoopbackDaprSidecar Sidecar { get; set; } = null!;

        public override Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context) => Task.FromResult(Sidecar.Get(request));

        public override Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context)
        {
            Sidecar.Save(request);
            return Task.FromResult(new Empty());
        }

        public override Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context)
        {
            Sidecar.Publish(request);
            return Task.FromResult(new Empty());
        }
    }

    /// <summary>
    /// The server side of Dapr's gRPC API for these three RPCs, bound by hand to the service descriptor
    /// and messages of Dapr.Protos (the package ships the client side only), as generated bases are.
    /// </summary>
    [BindServiceMethod(typeof(DaprApiBase), nameof(BindService))]
    public abstract class DaprApiBase
    {
        public abstract Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context);
        public abstract Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context);
        public abstract Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context);

        public static void BindService(ServiceBinderBase binder, DaprApiBase? service)
        {
            binder.AddMethod(Unary<GetStateRequest, GetStateResponse>(nameof(GetState)), service is null ? null : service.GetState);
            binder.AddMethod(Unary<SaveStateRequest, Empty>(nameof(SaveState)), service is null ? null : service.SaveState);
            binder.AddMethod(Unary<PublishEventRequest, Empty>(nameof(PublishEvent)), service is null ? null : service.PublishEvent);
        }

        private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name)
            where TRequest : class, IMessage<TRequest>, new()
            where TResponse : class, IMessage<TResponse>, new()
        {
            var descriptor = Dapr.Client.Autogen.Grpc.v1.Dapr.Descriptor;
            // Fails here, not in a confusing call, should a Dapr.Protos update rename the RPC.
            _ = descriptor.FindMethodByName(name) ?? throw new InvalidOperationException($"Dapr.Protos has no RPC {descriptor.FullName}/{name}");
            return new Method<TRequest, TResponse>(MethodType.Unary, descriptor.FullName, name, Marshal<TRequest>(), Marshal<TResponse>());
        }

        private static Marshaller<T> Marshal<T>() where T : class, IMessage<T>, new()
        {
            var parser = new MessageParser<T>(() => new T());
            return Marshallers.Create(m => m.ToByteArray(), parser.ParseFrom);
        }
    }
}
