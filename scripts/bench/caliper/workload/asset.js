'use strict';

// One Caliper 0.6.0 workload module for the asset-transfer rounds of benchconfig.yaml
// (the same workload as the asset A/B of nanotrace-load, bench/load):
//
//   arguments.op:         create | read | update
//   arguments.contractId: the chaincode (asset-go: bench/go-asset, asset-rs: bench/asset)
//   arguments.assets:     assets each worker creates before a read or update round
//                         (not measured), as Caliper's own fabric asset benchmarks do
//
// create: CreateAsset of a new ID per transaction (submit);
// read:   ReadAsset of one of the worker's assets, round robin (evaluate);
// update: UpdateAsset of one of the worker's assets, round robin (submit). With more
//         transactions in flight than assets two updates of one key may meet in a block and
//         one fails its MVCC check, as with any client: keep assets >= the round's load.

const { WorkloadModuleBase } = require('@hyperledger/caliper-core');

const INVOKER = 'dave';

class AssetWorkload extends WorkloadModuleBase {
    async initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext) {
        await super.initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext);
        const op = roundArguments.op;
        if (!['create', 'read', 'update'].includes(op)) {
            throw new Error(`arguments.op must be create, read or update, not ${op}`);
        }
        if (!roundArguments.contractId) {
            throw new Error('arguments.contractId is required');
        }
        this.op = op;
        this.contractId = roundArguments.contractId;
        // Unique across runs, rounds and workers.
        this.prefix = `cal${Date.now().toString(36)}_r${roundIndex}_w${workerIndex}_`;
        this.txIndex = 0;
        this.ids = [];
        if (op !== 'create') {
            const assets = Number(roundArguments.assets || 100);
            for (let i = 0; i < assets; i++) {
                const id = `${this.prefix}seed${i}`;
                await this.request('CreateAsset', [id, 'blue', '5', INVOKER, '300'], false);
                this.ids.push(id);
            }
        }
    }

    request(contractFunction, contractArguments, readOnly) {
        return this.sutAdapter.sendRequests({
            contractId: this.contractId,
            contractFunction,
            contractArguments,
            invokerIdentity: INVOKER,
            readOnly,
        });
    }

    async submitTransaction() {
        const n = this.txIndex++;
        switch (this.op) {
        case 'create':
            return this.request('CreateAsset', [`${this.prefix}${n}`, 'blue', '5', INVOKER, '300'], false);
        case 'read':
            return this.request('ReadAsset', [this.ids[n % this.ids.length]], true);
        default:
            return this.request('UpdateAsset', [this.ids[n % this.ids.length], 'red', '7', 'erin', '450'], false);
        }
    }
}

module.exports.createWorkloadModule = () => new AssetWorkload();
