import { MatchersV3 } from '@pact-foundation/pact';
import { createCarrierActivities } from '../../activities/carrier/activities';
import { createCarrierApi } from '../../activities/carrier/http';
import { connectCarrier } from '../../prisma/clients';
import { describeProviderEngines, gatewayPact, ownerDatabase, serveProvider, servicesClientAt, serviceToken, silentLogger, verifyPact } from './pact-support';

const { eachLike, fromProviderState, regex, string } = MatchersV3;
const status = (example: string) => regex('^(SCHEDULED|DISPATCHED|CANCELLED)$', example);
const isoDate = regex(/^\d{4}-\d{2}-\d{2}$/.source, '2026-03-04');
const isoTime = regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.source, '2026-03-02T10:00:00.000Z');
const exampleId = '0d9c2a57-5c1e-4d7e-9f0b-6a3c1e2b4f80';

// The gateway's expectations of the carrier, recorded by running its real services client against Pact's mock server.
describe('the gateway as the carrier API’s consumer', () => {
  const pact = gatewayPact('carrier');

  it('reads a delivery with its history', () =>
    pact
      .addInteraction()
      // The carrier picks the delivery's id when it books; the state hands it to the request.
      .given('a delivery is booked for purchase pact-purchase-1')
      .uponReceiving('a request for that delivery')
      .withRequest('GET', fromProviderState('/deliveries/${deliveryId}', `/deliveries/${exampleId}`))
      .willRespondWith(200, (response) =>
        response.jsonBody({
          delivery: {
            id: fromProviderState('${deliveryId}', exampleId),
            purchaseId: 'pact-purchase-1',
            status: status('SCHEDULED'),
            carrier: string('Swift Parcel'),
            trackingNumber: string('SP1234567890'),
            estimatedDate: isoDate,
            country: 'PT',
            history: eachLike({ status: status('SCHEDULED'), at: isoTime }),
            createdAt: isoTime,
            updatedAt: isoTime,
          },
        }),
      )
      .executeTest(async (mock) => {
        expect(await servicesClientAt(mock.url).getDelivery(exampleId)).toMatchObject({
          id: exampleId,
          purchaseId: 'pact-purchase-1',
          status: 'SCHEDULED',
          history: [{ status: 'SCHEDULED', at: expect.any(String) }],
        });
      }));

  it('hears NOT_FOUND, with the carrier’s own message, for a delivery it does not have', () =>
    pact
      .addInteraction()
      .given('no delivery pact-missing exists')
      .uponReceiving('a request for delivery pact-missing')
      .withRequest('GET', '/deliveries/pact-missing')
      .willRespondWith(404, (response) => response.jsonBody({ error: { code: 'NOT_FOUND', message: string('No delivery pact-missing') } }))
      .executeTest(async (mock) => {
        await expect(servicesClientAt(mock.url).getDelivery('pact-missing')).rejects.toMatchObject({
          code: 'NOT_FOUND',
          message: 'No delivery pact-missing',
        });
      }));
});

// The carrier honours them: its real app on a real database, each provider state made by its own activities.
describeProviderEngines('the carrier API verifies the gateway’s pact', ['sqlite', 'mysql'], (engine) => {
  it('answers every interaction as recorded', async () => {
    const database = await ownerDatabase(engine, 'carrier');
    const db = connectCarrier(database.url);
    const provider = await serveProvider(createCarrierApi(db, silentLogger, { serviceToken }));
    const activities = createCarrierActivities(db, { carrierName: 'Swift Parcel', dailyCapacity: 50 });
    try {
      await verifyPact('carrier', provider.url, {
        'a delivery is booked for purchase pact-purchase-1': async () => {
          const delivery = await activities.scheduleDelivery({
            purchaseId: 'pact-purchase-1',
            address: { name: 'Ada', street: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' },
          });
          return { deliveryId: delivery.id };
        },
        'no delivery pact-missing exists': async () => {
          await db.delivery.deleteMany({ where: { id: 'pact-missing' } });
          return undefined;
        },
      });
    } finally {
      await provider.close();
      await db.$disconnect();
      await database.drop();
    }
  }, 90_000);
});
